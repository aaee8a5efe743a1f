using System.Net;
using System.Text.Json;

namespace Consortium.Server.Tests.Publication;

[Collection(PublicationCollection.Name)]
public sealed class EmbargoTimeTests(PublicationServer server) : PublicationTest(server)
{
    [Fact]
    public async Task Six_pm_in_Paris_the_day_after_the_spring_change_lifts_at_four_pm_UTC_and_reads_right_in_Mexico_City_Kolkata_and_Sydney()
    {
        var (investigation, _, _) = await GivenPlanAsync();
        // Europe moves its clocks forward on Sunday 28 March 2027; the next day Paris is at UTC+2.
        var wave = await Ines.CreateWaveAsync(investigation.Id, new NewWave("Wave 2", new EmbargoInput("2027-03-29T18:00", "Europe/Paris")));

        var shown = (await Ines.GetWaveAsync(wave.Id, ["America/Mexico_City", "Asia/Kolkata", "Australia/Sydney"])).Embargo;

        Assert.Equal(new DateTimeOffset(2027, 3, 29, 16, 0, 0, TimeSpan.Zero), shown.Utc);
        Assert.Equal(("Europe/Paris", "2027-03-29T18:00:00", "+02:00"), (shown.Zone, shown.LocalTime, shown.Offset));
        Assert.Equal(("2027-03-29T10:00:00", "-06:00"), At(shown, "America/Mexico_City"));
        Assert.Equal(("2027-03-29T21:30:00", "+05:30"), At(shown, "Asia/Kolkata"));
        Assert.Equal(("2027-03-30T03:00:00", "+11:00"), At(shown, "Australia/Sydney"));
        // ines works for alpha, whose zone is Paris: her outlet's view says 18:00 too.
        Assert.Equal("2027-03-29T18:00:00", shown.Shown.Single(s => s.Label == "outlet").LocalTime);
        Assert.Equal("2027-03-29T16:00:00", shown.Shown.Single(s => s.Label == "utc").LocalTime);
    }

    private static (string, string) At(EmbargoView view, string zone) => view.Shown.Single(s => s.Zone == zone) is var z ? (z.LocalTime, z.Offset) : default;

    [Fact]
    public async Task A_local_time_inside_the_Paris_daylight_saving_gap_is_refused_naming_the_field_and_the_gap()
    {
        var (investigation, _, _) = await GivenPlanAsync();

        using var response = await SendAsync("ines@alpha", HttpMethod.Post, $"api/publication/investigations/{investigation.Id}/waves",
            new NewWave("Gap", new EmbargoInput("2027-03-28T02:30", "Europe/Paris")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = await ErrorsAsync(response);
        Assert.Contains("does not exist in Europe/Paris", errors["embargo.localTime"]);
        Assert.Contains("02:00", errors["embargo.localTime"]);
        Assert.Single((await Ines.GetPublicationPlanAsync(investigation.Id)).Waves);
    }

    [Fact]
    public async Task A_local_time_the_clocks_pass_twice_needs_the_offset_chosen_and_then_means_exactly_that_instant()
    {
        var (investigation, _, _) = await GivenPlanAsync();
        // Clocks go back in Paris on 31 October 2027: 02:30 happens at +02:00 and again at +01:00.
        using var ambiguous = await SendAsync("ines@alpha", HttpMethod.Post, $"api/publication/investigations/{investigation.Id}/waves",
            new NewWave("Twice", new EmbargoInput("2027-10-31T02:30", "Europe/Paris")));
        Assert.Equal(HttpStatusCode.BadRequest, ambiguous.StatusCode);
        Assert.Contains("+02:00", (await ErrorsAsync(ambiguous))["embargo.offset"]);

        var second = await Ines.CreateWaveAsync(investigation.Id, new NewWave("Twice", new EmbargoInput("2027-10-31T02:30", "Europe/Paris", "+01:00")));
        Assert.Equal(new DateTimeOffset(2027, 10, 31, 1, 30, 0, TimeSpan.Zero), second.Embargo.Utc);
    }

    [Fact]
    public async Task Bad_input_is_a_400_naming_the_field_and_nothing_is_stored()
    {
        var (investigation, wave, story) = await GivenPlanAsync();
        var waves = $"api/publication/investigations/{investigation.Id}/waves";
        var cases = new (string Path, object Body, string Field)[]
        {
            (waves, new NewWave("Unknown zone", new EmbargoInput("2027-05-01T10:00", "Europe/Atlantis")), "embargo.zone"),
            (waves, new NewWave("Past", new EmbargoInput(Local(Server.Clock.Now.AddHours(-1)), "UTC")), "embargo.localTime"),
            ($"api/publication/investigations/{investigation.Id}/stories", new NewStory(wave.Id, "Outsider", "", "alpha", ["charlie"]), "participantOutletIds"),
            ($"api/publication/stories/{story.Id}/letters", new NewLetter("A minister", "email", "v1", Server.Clock.Now, Server.Clock.Now.AddHours(-2)), "deadline"),
            ($"api/publication/waves/{wave.Id}/embargo/move", new EmbargoMove(new EmbargoInput(Local(Server.Clock.Now.AddDays(5)), "UTC"), " "), "reason"),
        };
        foreach (var (path, body, field) in cases)
        {
            using var response = await SendAsync("ines@alpha", HttpMethod.Post, path, body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.True((await ErrorsAsync(response)).ContainsKey(field), $"{path} should name {field}");
        }
        var plan = await Ines.GetPublicationPlanAsync(investigation.Id);
        Assert.Single(plan.Waves);
        Assert.Single(plan.Stories);
        Assert.Empty(plan.Stories[0].Letters);
        Assert.Equal(wave.Embargo.Utc, plan.Waves[0].Embargo.Utc);
        Assert.Empty(plan.Waves[0].Moves);
    }

    private static async Task<Dictionary<string, string>> ErrorsAsync(HttpResponseMessage response)
    {
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return problem.RootElement.GetProperty("errors").EnumerateObject().ToDictionary(p => p.Name, p => string.Join(" ", p.Value.EnumerateArray().Select(e => e.GetString())));
    }
}
