using System.Net;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Consortium.Server.Tests.Identity;

/// <summary>Floods of sign-ins, searches, hub joins and typing notices meet 429s; a journalist is never locked out by them.</summary>
[Collection(RateLimitCollection.Name)]
public sealed class RateLimitTests(LowRateLimitServer server) : ServerTest(server)
{
    private HttpClient BrowserAt(string address)
    {
        var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = Server.BaseAddress };
        browser.DefaultRequestHeaders.Add("X-Forwarded-For", address);
        return browser;
    }

    [Fact]
    public async Task Sign_in_attempts_from_one_address_beyond_the_limit_get_429_with_a_problem_and_retry_after()
    {
        using var attacker = BrowserAt("203.0.113.9");
        HttpResponseMessage? last = null;
        for (var attempt = 0; attempt < 21; attempt++)
        {
            last?.Dispose();
            last = await attacker.PostAsync("account/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["Email"] = "tom@bravo.test", ["Password"] = "guess " + attempt }));
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, last!.StatusCode);
        Assert.Equal("application/problem+json", last.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(last.Headers.RetryAfter);
        last.Dispose();
        // Another address is not slowed down by it.
        using var elsewhere = BrowserAt("203.0.113.10");
        using var other = await elsewhere.PostAsync("account/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["Email"] = "x@y.test", ["Password"] = "z" }));
        Assert.NotEqual(HttpStatusCode.TooManyRequests, other.StatusCode);
    }

    [Fact]
    public async Task Wrong_passwords_from_an_attackers_address_do_not_lock_the_journalist_out()
    {
        var account = await Server.Accounts.AccountAsync("tom@bravo");
        using var attacker = BrowserAt("198.51.100.66");
        for (var attempt = 0; attempt < 8; attempt++)
        {
            (await Server.Accounts.PostPasswordAsync(attacker, account.Email, "guess " + attempt)).Dispose();
        }
        using var slowed = await Server.Accounts.PostPasswordAsync(attacker, account.Email, TestAccounts.Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, slowed.StatusCode);

        using var journalist = BrowserAt("192.0.2.5");
        var landing = await Server.Accounts.SignInOnPagesAsync(journalist, new Uri(Server.BaseAddress, "account/login?ReturnUrl=%2F"), account);

        Assert.Equal("/", landing.AbsolutePath);
        Assert.Equal(HttpStatusCode.OK, (await journalist.GetAsync("api/me")).StatusCode);
    }

    [Fact]
    public async Task A_colleague_behind_the_same_newsroom_address_signs_in_while_an_insider_hammers_another_account()
    {
        var colleague = await Server.Accounts.AccountAsync("lena@alpha");
        using var insider = BrowserAt("203.0.113.30");
        HttpResponseMessage? last = null;
        for (var attempt = 0; attempt < 15; attempt++)
        {
            last?.Dispose();
            last = await insider.PostAsync("account/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["Email"] = "editor@bravo.test", ["Password"] = "guess " + attempt }));
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, last!.StatusCode);
        last.Dispose();

        using var sameNewsroom = BrowserAt("203.0.113.30");
        var landing = await Server.Accounts.SignInOnPagesAsync(sameNewsroom, new Uri(Server.BaseAddress, "account/login?ReturnUrl=%2F"), colleague);

        Assert.Equal("/", landing.AbsolutePath);
    }

    [Fact]
    public async Task A_tool_refreshing_its_token_from_an_address_whose_sign_in_budget_is_spent_is_still_answered()
    {
        using var flood = BrowserAt("203.0.113.40");
        HttpResponseMessage? last = null;
        for (var attempt = 0; attempt < 41; attempt++)
        {
            last?.Dispose();
            last = await flood.PostAsync("account/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["Email"] = $"n{attempt}@bravo.test", ["Password"] = "guess" }));
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, last!.StatusCode);
        last.Dispose();

        using var tool = BrowserAt("203.0.113.40");
        using var refresh = await tool.PostAsync("connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token", ["client_id"] = "consortium-cli", ["refresh_token"] = "expired-or-bogus",
        }));

        // The token endpoint's own answer (the refresh token is no good), not the sign-in limit's 429.
        Assert.Equal(HttpStatusCode.BadRequest, refresh.StatusCode);
    }

    [Fact]
    public async Task Searches_beyond_the_limit_get_429_with_a_problem()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n");
        var alpha = Server.ClientFor("ines@alpha");
        for (var search = 0; search < 5; search++)
        {
            await alpha.ListRecordsAsync(dataset.Id, phoneDigits: "9000" + search);
        }

        var error = await Assert.ThrowsAsync<ConsortiumProblemException>(() => alpha.ListRecordsAsync(dataset.Id, phoneDigits: "900001"));

        Assert.Equal(HttpStatusCode.TooManyRequests, error.Status);
    }

    [Fact]
    public async Task Pictures_beyond_the_limit_get_429_without_using_up_the_searches()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n");
        var alpha = Server.ClientFor("ines@alpha");
        for (var picture = 0; picture < 5; picture++)
        {
            await alpha.ChartsAsync(dataset.Id, new SearchQuery(Country: "GB"));
        }

        var error = await Assert.ThrowsAsync<ConsortiumProblemException>(() => alpha.ChartsAsync(dataset.Id, new SearchQuery()));
        var search = await alpha.SearchAsync(dataset.Id, new SearchQuery(Country: "GB"));

        Assert.Equal(HttpStatusCode.TooManyRequests, error.Status);
        Assert.Equal(1, search.Total);
    }

    [Fact]
    public async Task Webhook_redeliveries_beyond_the_limit_get_429_and_another_person_is_not_slowed()
    {
        // Each redelivery sends a request to an address an administrator chose: a loop of them meets the limit (5 a
        // minute here) whatever each one answers.
        var path = $"api/outlet/webhooks/{Guid.NewGuid()}/deliveries/{Guid.NewGuid()}/redeliver";
        var tom = Server.ClientFor("tom@bravo");
        for (var attempt = 0; attempt < 5; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path);
            using var answer = await tom.SendAsync(request);
            Assert.NotEqual(HttpStatusCode.TooManyRequests, answer.StatusCode);
        }
        using (var flood = new HttpRequestMessage(HttpMethod.Post, path))
        using (var refused = await tom.SendAsync(flood))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(refused.Headers.RetryAfter);
        }

        using var other = new HttpRequestMessage(HttpMethod.Post, path);
        using var answered = await Server.ClientFor("ines@alpha").SendAsync(other);
        Assert.NotEqual(HttpStatusCode.TooManyRequests, answered.StatusCode);
    }

    [Fact]
    public async Task Hub_joins_and_typing_notices_beyond_the_limit_are_refused_but_the_connection_stays()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n");
        var alpha = Server.ClientFor("ines@alpha");
        var record = Assert.Single((await alpha.ListRecordsAsync(dataset.Id)).Items);
        var note = await alpha.AddNoteAsync(record.Id, new NewNote("Checking this one"));
        var token = await Server.Accounts.AccessTokenAsync("ines@alpha");
        await using var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(Server.BaseAddress, "hubs/consortium"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        await connection.StartAsync();

        // A burst of 5 joins is allowed (a quarter of 20 a minute); the probe that follows is not.
        for (var join = 0; join < 5; join++)
        {
            await connection.InvokeAsync(HubMethods.JoinRecord, record.Id);
        }
        var tooMany = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync(HubMethods.JoinRecord, record.Id));
        Assert.Contains("Too many requests", tooMany.Message, StringComparison.Ordinal);

        await connection.InvokeAsync(HubMethods.StartTyping, record.Id, note.Id);
        await connection.InvokeAsync(HubMethods.StartTyping, record.Id, note.Id);
        var typing = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync(HubMethods.StartTyping, record.Id, note.Id));
        Assert.Contains("Too many requests", typing.Message, StringComparison.Ordinal);
        Assert.Equal(HubConnectionState.Connected, connection.State);
    }
}
