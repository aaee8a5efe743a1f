using System.Net;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Consortium.Server.Tests.Identity;

/// <summary>Cutting someone off: sessions, tokens and open hub connections all stop within seconds.</summary>
[Collection(IdentityCollection.Name)]
public sealed class RevocationTests(ConsortiumServer server) : ServerTest(server)
{
    private static readonly TimeSpan CutOff = TimeSpan.FromSeconds(5);

    private async Task<(HubConnection Connection, TaskCompletionSource Closed)> OpenHubAsync(string user, Guid recordId)
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // No automatic reconnect here: the point is to see the server close the connection.
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(Server.BaseAddress, "hubs/consortium"), options => options.AccessTokenProvider = async () => await Server.Accounts.AccessTokenAsync(user))
            .Build();
        connection.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        await connection.StartAsync();
        await connection.InvokeAsync(HubMethods.JoinRecord, recordId);
        return (connection, closed);
    }

    [Fact]
    public async Task Disabled_account_loses_its_session_its_token_and_its_live_connection_at_once()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n");
        var record = (await Server.ClientFor("tom@bravo").ListRecordsAsync(dataset.Id)).Items[0];
        await Server.Accounts.AccountAsync("nadia@bravo", outletAdmin: true);
        var tom = await Server.Accounts.AccountAsync("tom@bravo");
        using var session = await Server.Accounts.BrowserSessionAsync("tom@bravo");
        var token = await Server.Accounts.AccessTokenAsync("tom@bravo");
        var (connection, closed) = await OpenHubAsync("tom@bravo", record.Id);
        await using var _ = connection;
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync("api/me")).StatusCode);

        await Server.ClientFor("nadia@bravo").DisableAccountAsync(tom.Id);

        Assert.Same(closed.Task, await Task.WhenAny(closed.Task, Task.Delay(CutOff)));
        Assert.Equal(HttpStatusCode.Unauthorized, (await session.GetAsync("api/me")).StatusCode);
        var error = await Assert.ThrowsAsync<ConsortiumProblemException>(() => Server.ClientWithToken(token).GetMeAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, error.Status);
        // Nor can the account come back through the front door.
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = Server.BaseAddress };
        using var login = await Server.Accounts.PostPasswordAsync(browser, tom.Email, TestAccounts.Password);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Contains("do not match an account that can sign in now", await login.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Removed_member_loses_the_investigation_at_once_and_their_live_connection_closes()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n");
        var tom = Server.ClientFor("tom@bravo");
        var record = (await tom.ListRecordsAsync(dataset.Id)).Items[0];
        var (connection, closed) = await OpenHubAsync("tom@bravo", record.Id);
        await using var _ = connection;
        var tomId = (await Server.Accounts.AccountAsync("tom@bravo")).Id;

        await Server.ClientFor("ines@alpha").RemoveMemberAsync(investigation.Id, tomId);

        Assert.Same(closed.Task, await Task.WhenAny(closed.Task, Task.Delay(CutOff)));
        Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<ConsortiumProblemException>(() => tom.GetRecordAsync(record.Id))).Status);
        Assert.Empty(await tom.ListInvestigationsAsync());
        // Reconnecting does not bring the record back.
        var rejoin = await Assert.ThrowsAsync<HubException>(() => OpenHubAsync("tom@bravo", record.Id));
        Assert.Contains("No such record.", rejoin.Message, StringComparison.Ordinal);
        // Others are untouched.
        Assert.Single((await Server.ClientFor("tom.ellery@bravo").ListRecordsAsync(dataset.Id)).Items);
    }

    [Fact]
    public async Task Time_limited_membership_ends_by_itself()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n");
        // Signed in before the membership starts to run out: on a loaded machine sign-in alone took longer than the
        // membership lasted, and the test then saw the end before it could open anything.
        await Server.Accounts.AccessTokenAsync("guest@lab");
        var ends = DateTimeOffset.UtcNow.AddSeconds(5);
        await GivenMemberAsync(investigation.Id, "guest@lab", InvestigationRole.ReadOnly, ends);
        var guest = Server.ClientFor("guest@lab");
        var record = (await guest.ListRecordsAsync(dataset.Id)).Items[0];
        var (connection, closed) = await OpenHubAsync("guest@lab", record.Id);
        await using var _ = connection;

        var waitUntil = ends + CutOff - DateTimeOffset.UtcNow;
        Assert.Same(closed.Task, await Task.WhenAny(closed.Task, Task.Delay(waitUntil > TimeSpan.Zero ? waitUntil : TimeSpan.Zero)));
        Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<ConsortiumProblemException>(() => guest.GetDatasetAsync(dataset.Id))).Status);
        Assert.DoesNotContain(await Server.ClientFor("ines@alpha").ListMembersAsync(investigation.Id), m => m.DisplayName == "Guest");
    }

    [Fact]
    public async Task Restricting_a_record_hides_it_from_other_outlets_everywhere()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n07700 900002,GB\n");
        var alpha = Server.ClientFor("ines@alpha");
        var bravo = Server.ClientFor("tom@bravo");
        var source = (await alpha.ListRecordsAsync(dataset.Id)).Items[0];

        await alpha.SetRecordRestrictionAsync(source.Id, new OutletRestriction(["lab"]));

        Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<ConsortiumProblemException>(() => bravo.GetRecordAsync(source.Id))).Status);
        Assert.DoesNotContain((await bravo.ListRecordsAsync(dataset.Id)).Items, r => r.Id == source.Id);
        Assert.Empty((await bravo.ListRecordsAsync(dataset.Id, phoneDigits: "900001")).Items);
        Assert.Equal(source.Id, (await Server.ClientFor("lena@lab").GetRecordAsync(source.Id)).Id);
        Assert.Equal(2, (await alpha.ListRecordsAsync(dataset.Id)).Items.Count);
    }

    [Fact]
    public async Task Five_wrong_passwords_slow_their_address_down_so_even_the_right_one_waits()
    {
        var account = await Server.Accounts.AccountAsync("lock.me@bravo");
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = Server.BaseAddress };
        for (var attempt = 0; attempt < 5; attempt++)
        {
            using var wrong = await Server.Accounts.PostPasswordAsync(browser, account.Email, "wrong password " + attempt);
            // Three free tries; after the fourth failure the address waits 2 s, then 4 s, ...
            Assert.Equal(attempt < 4 ? HttpStatusCode.OK : HttpStatusCode.TooManyRequests, wrong.StatusCode);
        }

        using var right = await Server.Accounts.PostPasswordAsync(browser, account.Email, TestAccounts.Password);

        Assert.Equal(HttpStatusCode.TooManyRequests, right.StatusCode);
        Assert.Contains("Too many failed attempts from here", await right.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.NotNull(right.Headers.RetryAfter);
    }

    [Fact]
    public async Task Twelve_wrong_passwords_sent_at_once_get_no_more_checks_than_four_sent_one_after_another()
    {
        var account = await Server.Accounts.AccountAsync("burst@bravo");
        // A guesser does not wait for one answer before sending the next: every attempt is counted as it arrives. Each
        // guess has its own browser (its own antiforgery cookie), all from the one address.
        var browsers = Enumerable.Range(0, 13).Select(_ => new HttpClient(new HttpClientHandler { AllowAutoRedirect = false })).ToList();
        try
        {
            var answers = await Task.WhenAll(browsers.Take(12).Select((browser, i) => Server.Accounts.PostPasswordAsync(browser, account.Email, "guess " + i)));
            var statuses = answers.Select(a => a.StatusCode).ToList();
            Assert.True(statuses.Count(s => s == HttpStatusCode.OK) == 4, string.Join(", ", statuses.Select(s => (int)s)));
            Assert.All(statuses.Where(s => s != HttpStatusCode.OK), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));

            using var right = await Server.Accounts.PostPasswordAsync(browsers[12], account.Email, TestAccounts.Password);
            Assert.Equal(HttpStatusCode.TooManyRequests, right.StatusCode);
        }
        finally
        {
            browsers.ForEach(b => b.Dispose());
        }
    }
}
