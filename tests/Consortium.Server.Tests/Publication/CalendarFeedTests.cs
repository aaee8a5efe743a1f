using System.Net;
using System.Text.RegularExpressions;

namespace Consortium.Server.Tests.Publication;

[Collection(PublicationCollection.Name)]
public sealed partial class CalendarFeedTests(PublicationServer server) : PublicationTest(server)
{
    [Fact]
    public async Task The_calendar_gives_desk_calendars_the_right_local_times_with_their_zones_and_a_new_sequence_when_the_embargo_moves()
    {
        var (investigation, _, _) = await GivenPlanAsync();
        var wave = await Ines.CreateWaveAsync(investigation.Id, new NewWave("Paris wave", new EmbargoInput("2027-03-29T18:00", "Europe/Paris")));
        var story = await Ines.CreateStoryAsync(investigation.Id, new NewStory(wave.Id, "Calendar story", "", "alpha", ["bravo"], SignOffDeadline: new DateTimeOffset(2027, 3, 28, 9, 0, 0, TimeSpan.Zero)));
        await Ines.LockEmbargoAsync(wave.Id);
        // Bravo is in London, still on GMT on 27 March 2027.
        await Server.ClientFor("eva@bravo").SendLetterAsync(story.Id, new NewLetter("The minister", "email", "v2",
            new DateTimeOffset(2027, 3, 20, 9, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 3, 27, 12, 0, 0, TimeSpan.Zero)));
        var tom = Server.ClientFor("tom@bravo");
        var url = (await tom.RegenerateCalendarUrlAsync()).Url;
        var anonymous = Server.AnonymousClient();

        var text = await anonymous.GetStringAsync(url);

        // By hand, as RFC 5545 reads: unfolded lines, each event's properties.
        var embargo = Event(text, $"embargo-{wave.Id}@consortium");
        Assert.Equal("20270329T180000", embargo["DTSTART;TZID=Europe/Paris"]);
        Assert.Equal("0", embargo["SEQUENCE"]);
        Assert.Equal("20270327T120000", Event(text, $"reply-{Assert.Single((await tom.GetStoryAsync(story.Id)).Letters).Id}@consortium")["DTSTART;TZID=Europe/London"]);
        Assert.Equal("20270328T100000", Event(text, $"sign-off-{story.Id}@consortium")["DTSTART;TZID=Europe/London"]);
        Assert.Contains("TZID:Europe/Paris", Unfold(text));
        Assert.Contains("TZID:Europe/London", Unfold(text));
        // And by a full iCalendar parser: the same instants in UTC.
        var parsed = Ical.Net.Calendar.Load(text)!;
        var parsedEmbargo = parsed.Events.Single(e => e.Uid == $"embargo-{wave.Id}@consortium");
        Assert.Equal(new DateTime(2027, 3, 29, 16, 0, 0, DateTimeKind.Utc), parsedEmbargo.DtStart!.AsUtc);
        Assert.Single(parsed.TimeZones, z => z.TzId == "Europe/Paris");

        await Ines.MoveEmbargoAsync(wave.Id, new EmbargoMove(new EmbargoInput("2027-03-30T07:00", "Europe/Paris"), "Morning editions"));
        var moved = Event(await anonymous.GetStringAsync(url), $"embargo-{wave.Id}@consortium");
        Assert.Equal("20270330T070000", moved["DTSTART;TZID=Europe/Paris"]);
        Assert.Equal("1", moved["SEQUENCE"]);

        var replacement = (await tom.RegenerateCalendarUrlAsync()).Url;
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(replacement)).StatusCode);
        await tom.RevokeCalendarUrlAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(replacement)).StatusCode);
    }

    [Fact]
    public async Task A_calendar_url_stops_working_when_its_account_is_disabled_and_is_never_cached()
    {
        var (investigation, _, _) = await GivenPlanAsync();
        await GivenMemberAsync(investigation.Id, "kai@bravo", InvestigationRole.Reporter);
        var kai = await Server.Accounts.AccountAsync("kai@bravo");
        await Server.Accounts.AccountAsync("nadia@bravo", outletAdmin: true);
        var url = (await Server.ClientFor("kai@bravo").RegenerateCalendarUrlAsync()).Url;
        var anonymous = Server.AnonymousClient();
        using (var before = await anonymous.GetAsync(url))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
            Assert.True(before.Headers.CacheControl?.NoStore);
            Assert.True(before.Headers.CacheControl?.Private);
        }

        await Server.ClientFor("nadia@bravo").DisableAccountAsync(kai.Id);

        using var after = await anonymous.GetAsync(url);
        Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
        Assert.DoesNotContain("BEGIN:VCALENDAR", await after.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static string Unfold(string text) => text.Replace("\r\n ", "", StringComparison.Ordinal).Replace("\r\n\t", "", StringComparison.Ordinal);

    /// <summary>The properties of the VEVENT with <paramref name="uid"/>, name (with parameters) to value.</summary>
    private static Dictionary<string, string> Event(string text, string uid)
    {
        foreach (Match match in EventBlock().Matches(Unfold(text)))
        {
            var properties = match.Groups[1].Value.Split("\r\n", StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split(':', 2)).Where(p => p.Length == 2).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.First()[1]);
            if (properties.GetValueOrDefault("UID") == uid)
            {
                return properties;
            }
        }
        throw new Xunit.Sdk.XunitException($"No event {uid} in:\n{text}");
    }

    [GeneratedRegex("BEGIN:VEVENT\r\n(.*?)END:VEVENT", RegexOptions.Singleline)]
    private static partial Regex EventBlock();
}
