using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Consortium.Server.Tests.Identity;

[Collection(ReauthenticationCollection.Name)]
public sealed class ReauthenticationTests(ShortReauthenticationServer server) : IAsyncLifetime
{
    public Task InitializeAsync() => server.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Granting_access_needs_a_recent_sign_in_not_just_a_live_token()
    {
        var coordinator = server.ClientFor("ines@alpha");
        var investigation = await coordinator.CreateInvestigationAsync(new NewInvestigation("Nightjar", "", ["bravo"]));
        var tom = await server.Accounts.AccountAsync("tom@bravo");
        await Task.Delay(TimeSpan.FromSeconds(4));

        var stale = await Assert.ThrowsAsync<ConsortiumProblemException>(() => coordinator.AddMemberAsync(investigation.Id, new NewMember(tom.Email, InvestigationRole.Reporter)));
        Assert.Equal((HttpStatusCode.Forbidden, "Sign in again to do this"), (stale.Status, stale.Title));
        // Reading still works with the same token: only the sensitive action asks again.
        Assert.Equal(investigation.Id, (await coordinator.GetInvestigationAsync(investigation.Id)).Id);
        Assert.Empty(await server.ClientFor("tom@bravo").ListInvestigationsAsync());

        server.Accounts.Forget(keepAccounts: true);
        await server.ClientFor("ines@alpha").AddMemberAsync(investigation.Id, new NewMember(tom.Email, InvestigationRole.Reporter));
        Assert.Single(await server.ClientFor("tom@bravo").ListInvestigationsAsync());
    }

    [Fact]
    public async Task A_browser_session_left_open_must_sign_in_again_before_inviting_anyone()
    {
        await server.Accounts.AccountAsync("nadia@bravo", outletAdmin: true);
        using var session = await server.Accounts.BrowserSessionAsync("nadia@bravo");
        await Task.Delay(TimeSpan.FromSeconds(4));

        using var response = await session.PostAsJsonAsync("api/outlet/accounts", new NewAccount("olu@bravo.test", "Olu"));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("https://consortium.example/problems/reauthentication-required", problem.RootElement.GetProperty("type").GetString());
        Assert.StartsWith("/account/login", problem.RootElement.GetProperty("signInUrl").GetString(), StringComparison.Ordinal);
        // The session itself is still good for reading.
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync("api/outlet/accounts")).StatusCode);
    }
}
