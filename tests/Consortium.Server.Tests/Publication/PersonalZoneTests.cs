using System.Net;

namespace Consortium.Server.Tests.Publication;

/// <summary>The embargo desk's "you" row is the zone the person chose for the whole UI (decision 0033).</summary>
[Collection(PublicationCollection.Name)]
public sealed class PersonalZoneTests(PublicationServer server) : PublicationTest(server)
{
    [Fact]
    public async Task The_you_row_shows_the_persons_own_zone_and_the_outlets_zone_until_one_is_chosen()
    {
        var (investigation, _, _) = await GivenPlanAsync();
        var wave = await Ines.CreateWaveAsync(investigation.Id, new NewWave("Wave 1", new EmbargoInput("2027-03-29T18:00", "Europe/Paris")));
        // ines works for alpha, whose zone is Paris: with no zone of her own, "you" is Paris.
        Assert.Equal("Europe/Paris", You(await Ines.GetWaveAsync(wave.Id, [])).Zone);

        using var saved = await SendAsync("ines@alpha", HttpMethod.Put, "api/me/preferences", new PreferencesInput("ar", "Asia/Beirut"));
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);

        var you = You(await Ines.GetWaveAsync(wave.Id, []));
        Assert.Equal(("Asia/Beirut", "2027-03-29T19:00:00", "+03:00"), (you.Zone, you.LocalTime, you.Offset));
    }

    private static ZonedTime You(WaveView wave) => wave.Embargo.Shown.Single(s => s.Label == "you");
}
