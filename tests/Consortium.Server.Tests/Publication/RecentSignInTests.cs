using System.Net;
using System.Text.Json;

namespace Consortium.Server.Tests.Publication;

[CollectionDefinition(Name)]
public sealed class StaleSignInCollection : ICollectionFixture<StaleSignInServer>
{
    public const string Name = "PublicationStaleSignIn";
}

/// <summary>A server on which no sign-in is recent enough: every sensitive action asks for a fresh one.</summary>
public sealed class StaleSignInServer : ConsortiumServer
{
    protected override IEnumerable<(string Key, string Value)> Settings => [("Identity:ReauthenticateAfter", "-00:00:01")];
}

[Collection(StaleSignInCollection.Name)]
public sealed class RecentSignInTests(StaleSignInServer server) : ServerTest(server)
{
    [Fact]
    public async Task A_coordinator_without_a_recent_sign_in_cannot_move_an_embargo_and_nothing_moves()
    {
        var ines = Server.ClientFor("ines@alpha");
        var investigation = await ines.CreateInvestigationAsync(new NewInvestigation("Nightjar", "", ["bravo"]));
        var local = DateTimeOffset.UtcNow.AddDays(3).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture);
        var wave = await ines.CreateWaveAsync(investigation.Id, new NewWave("Wave 1", new EmbargoInput(local, "UTC")));
        using (var locking = await ines.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"api/publication/waves/{wave.Id}/embargo/lock")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, locking.StatusCode);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/publication/waves/{wave.Id}/embargo/move")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new EmbargoMove(new EmbargoInput(local, "Europe/Paris"), "Later")),
        };
        using var response = await ines.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("https://consortium.example/problems/reauthentication-required", problem.RootElement.GetProperty("type").GetString());
        var after = await ines.GetWaveAsync(wave.Id);
        Assert.Equal(wave.Embargo.Utc, after.Embargo.Utc);
        Assert.Empty(after.Moves);
    }

    [Fact]
    public async Task Without_a_recent_sign_in_nobody_mints_a_calendar_url()
    {
        using var response = await Server.ClientFor("tom@bravo").SendAsync(new HttpRequestMessage(HttpMethod.Post, "api/publication/calendar"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("https://consortium.example/problems/reauthentication-required", problem.RootElement.GetProperty("type").GetString());
    }
}
