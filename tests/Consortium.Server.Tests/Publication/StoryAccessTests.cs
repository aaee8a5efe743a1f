using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;

namespace Consortium.Server.Tests.Publication;

[Collection(PublicationCollection.Name)]
public sealed class StoryAccessTests(PublicationServer server) : PublicationTest(server)
{
    [Fact]
    public async Task A_member_outlet_not_taking_part_sees_nothing_of_the_story_on_REST_hub_feed_calendar_or_audit()
    {
        var (investigation, wave, story) = await GivenPlanAsync();
        var lena = Server.ClientFor("lena@lab");
        var tom = Server.ClientFor("tom@bravo");
        var lenaPushes = await ConnectAsync(lena);
        var tomPushes = await ConnectAsync(tom);

        await Ines.MoveEmbargoAsync(wave.Id, new EmbargoMove(new EmbargoInput(Local(Server.Clock.Now.AddDays(4)), "UTC"), "Lawyers need a day"));

        // tom (bravo takes part) hears of it; lena (lab does not) hears nothing, then or on the story's next change.
        var heard = await tomPushes.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(heard.Kind is "wave" or "story" or "notice");
        await Server.ClientFor("eva@bravo").SignOffAsync(story.Id, new SignOffChange(SignOffSteps.LegalReview, true));
        while (true)
        {
            var push = await tomPushes.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            if (push.Story?.SignOffs.Any(s => s.Done) == true)
            {
                break;
            }
        }
        Assert.False(lenaPushes.TryRead(out _));

        using var direct = await SendAsync("lena@lab", HttpMethod.Get, $"api/publication/stories/{story.Id}");
        Assert.Equal(HttpStatusCode.NotFound, direct.StatusCode);
        using var waveRead = await SendAsync("lena@lab", HttpMethod.Get, $"api/publication/waves/{wave.Id}");
        Assert.Equal(HttpStatusCode.NotFound, waveRead.StatusCode);
        var plan = await lena.GetPublicationPlanAsync(investigation.Id);
        Assert.Empty(plan.Stories);
        Assert.Empty(plan.Waves);
        Assert.Empty(await lena.ListStoriesAsync());
        Assert.Empty((await lena.ReadPublicationChangesAsync(investigation.Id)).Items);
        Assert.Empty(await lena.ListPublicationNoticesAsync());
        var calendar = await Server.AnonymousClient().GetStringAsync((await lena.RegenerateCalendarUrlAsync()).Url);
        Assert.DoesNotContain("BEGIN:VEVENT", calendar);
        using var audit = await SendAsync("lena@lab", HttpMethod.Get, $"api/investigations/{investigation.Id}/audit");
        Assert.Equal(HttpStatusCode.Forbidden, audit.StatusCode);

        // Meanwhile the feed gives tom the story and wave states, in order.
        var feed = await tom.ReadPublicationChangesAsync(investigation.Id);
        Assert.Contains(feed.Items, c => c.Story?.Id == story.Id);
        Assert.Contains(feed.Items, c => c.Wave?.Id == wave.Id && c.Wave.Moves.Count == 1);
    }

    [Fact]
    public async Task A_reporter_cannot_move_an_embargo_and_an_editor_cannot_either()
    {
        var (_, wave, _) = await GivenPlanAsync();
        foreach (var user in new[] { "tom@bravo", "eva@bravo" })
        {
            using var response = await SendAsync(user, HttpMethod.Post, $"api/publication/waves/{wave.Id}/embargo/move",
                new EmbargoMove(new EmbargoInput(Local(Server.Clock.Now.AddDays(5)), "UTC"), "Because"));
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }
        Assert.Empty((await Ines.GetWaveAsync(wave.Id)).Moves);
    }

    [Fact]
    public async Task A_moved_embargo_is_acknowledged_by_each_outlet_and_the_story_shows_who_has_not()
    {
        var (_, wave, story) = await GivenPlanAsync();
        var moved = await Ines.MoveEmbargoAsync(wave.Id, new EmbargoMove(new EmbargoInput(Local(Server.Clock.Now.AddDays(4)), "UTC"), "Lawyers need a day"));
        Assert.Equal(EmbargoStates.Postponed, moved.Embargo.State);

        var waiting = await Ines.GetStoryAsync(story.Id);
        Assert.Equal(["bravo"], waiting.Acknowledgements.Where(a => !a.Acknowledged).Select(a => a.OutletId));
        var tom = Server.ClientFor("tom@bravo");
        var eva = Server.ClientFor("eva@bravo");
        var notice = Assert.Single(await eva.ListPublicationNoticesAsync(), n => n.Kind == PublicationNoticeKinds.EmbargoMoved);
        Assert.True(notice.NeedsAcknowledgement);
        Assert.Contains("Lawyers need a day", notice.Summary);
        // The reporter is told, but not asked: acknowledging is not theirs to do.
        Assert.False(Assert.Single(await tom.ListPublicationNoticesAsync(), n => n.Kind == PublicationNoticeKinds.EmbargoMoved).NeedsAcknowledgement);

        // Reporters read; the outlet's editor acknowledges for it.
        using (var byReporter = await SendAsync("tom@bravo", HttpMethod.Post, $"api/publication/stories/{story.Id}/embargo/acknowledgement"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, byReporter.StatusCode);
        }
        Assert.Contains((await Ines.GetStoryAsync(story.Id)).Acknowledgements, a => a.OutletId == "bravo" && !a.Acknowledged);
        await eva.AcknowledgeEmbargoAsync(story.Id);

        Assert.All((await Ines.GetStoryAsync(story.Id)).Acknowledgements, a => Assert.True(a.Acknowledged));
        Assert.False(Assert.Single(await eva.ListPublicationNoticesAsync(), n => n.Kind == PublicationNoticeKinds.EmbargoMoved).NeedsAcknowledgement);
    }

    [Fact]
    public async Task A_move_close_to_the_instant_waits_for_a_second_coordinator()
    {
        var (_, wave, _) = await GivenPlanAsync(inHours: 1);
        using var proposed = await SendAsync("ines@alpha", HttpMethod.Post, $"api/publication/waves/{wave.Id}/embargo/move",
            new EmbargoMove(new EmbargoInput(Local(Server.Clock.Now.AddHours(6)), "UTC"), "Subject threatens an injunction"));
        Assert.Equal(HttpStatusCode.Accepted, proposed.StatusCode);
        var pending = (await Ines.GetWaveAsync(wave.Id)).Embargo.PendingMove!;
        Assert.Equal(wave.Embargo.Utc, (await Ines.GetWaveAsync(wave.Id)).Embargo.Utc);

        using var self = await SendAsync("ines@alpha", HttpMethod.Post, $"api/publication/waves/{wave.Id}/embargo/move/{pending.MoveId}/confirm");
        Assert.Equal(HttpStatusCode.Forbidden, self.StatusCode);
        using var confirmed = await SendAsync("marc@alpha", HttpMethod.Post, $"api/publication/waves/{wave.Id}/embargo/move/{pending.MoveId}/confirm");
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Equal(pending.ToUtc, (await Ines.GetWaveAsync(wave.Id)).Embargo.Utc);
    }

    [Fact]
    public async Task Reply_deadlines_after_the_embargo_or_within_two_days_of_it_are_warned_about_and_a_reminder_reaches_who_has_not_acknowledged()
    {
        var (_, wave, story) = await GivenPlanAsync(inHours: 72);
        var eva = Server.ClientFor("eva@bravo");
        var now = Server.Clock.Now;
        await eva.SendLetterAsync(story.Id, new NewLetter("Early", "email", "v1", now, now.AddHours(12)));
        await eva.SendLetterAsync(story.Id, new NewLetter("Close", "email", "v1", now, wave.Embargo.Utc.AddHours(-30)));
        var late = await eva.SendLetterAsync(story.Id, new NewLetter("Late", "post", "v1", now, wave.Embargo.Utc.AddHours(1)));

        Assert.Empty(late.Letters.Single(l => l.Recipient == "Early").Warnings);
        Assert.Contains("less than 48 hours before the embargo", Assert.Single(late.Letters.Single(l => l.Recipient == "Close").Warnings));
        Assert.Contains("after the embargo", Assert.Single(late.Letters.Single(l => l.Recipient == "Late").Warnings));
        using var reporterLetter = await SendAsync("tom@bravo", HttpMethod.Post, $"api/publication/stories/{story.Id}/letters", new NewLetter("X", "email", "v1", now, now.AddHours(1)));
        Assert.Equal(HttpStatusCode.Forbidden, reporterLetter.StatusCode);

        await Ines.MoveEmbargoAsync(wave.Id, new EmbargoMove(new EmbargoInput(Local(now.AddDays(4)), "UTC"), "Legal"));
        using var reminded = await SendAsync("ines@alpha", HttpMethod.Post, $"api/publication/waves/{wave.Id}/embargo/reminders");
        Assert.Equal(HttpStatusCode.OK, reminded.StatusCode);
        var notices = await Server.ClientFor("eva@bravo").ListPublicationNoticesAsync();
        Assert.Contains(notices, n => n.Kind == PublicationNoticeKinds.AcknowledgementReminder && n.NeedsAcknowledgement);
        Assert.NotNull(Assert.Single((await Ines.GetStoryAsync(story.Id)).Acknowledgements, a => a.OutletId == "bravo").RemindedAt);
    }

    [Fact]
    public async Task A_reported_breach_reaches_every_participant_and_the_coordinator_lifts_the_embargo_early_for_everyone()
    {
        var (investigation, wave, story) = await GivenPlanAsync();
        var tom = Server.ClientFor("tom@bravo");
        var reported = await tom.ReportBreachAsync(story.Id, new NewBreach("https://example.com/scoop", Server.Clock.Now.AddMinutes(-5), "screenshot.png", Convert.ToBase64String([1, 2, 3])));
        var breach = Assert.Single(reported.Breaches);
        Assert.Equal(("bravo", "screenshot.png"), (breach.OutletId, breach.EvidenceFileName));
        Assert.Contains(await Ines.ListPublicationNoticesAsync(), n => n.Kind == PublicationNoticeKinds.BreachReported && n.StoryId == story.Id);
        Assert.DoesNotContain(await Server.ClientFor("lena@lab").ListPublicationNoticesAsync(), n => n.StoryId == story.Id);

        // One coordinator asks; nothing is released until a second one asks for the same.
        var asked = await Ines.LiftEmbargoEarlyAsync(wave.Id, "Published early by a third party");
        Assert.Equal(EmbargoStates.Locked, asked.Embargo.State);
        var lifted = await Server.ClientFor("marc@alpha").LiftEmbargoEarlyAsync(wave.Id, "Confirmed: published early by a third party");

        Assert.Equal(EmbargoStates.LiftedEarly, lifted.Embargo.State);
        Assert.Contains(await Server.ClientFor("eva@bravo").ListPublicationNoticesAsync(), n => n.Kind == PublicationNoticeKinds.EmbargoLifted);
        Assert.Contains((await Ines.ListAuditAsync(investigation.Id, action: "publication.breach-reported")).Items, e => e.TargetId == story.Id.ToString());
        Assert.Single((await Ines.ListAuditAsync(investigation.Id, action: "publication.embargo-lifted-early")).Items);
    }

    [Fact]
    public async Task A_coordinator_whose_outlet_does_not_take_part_reads_story_entries_of_the_audit_log_without_the_story()
    {
        var (investigation, _, story) = await GivenPlanAsync();
        // lab coordinates the investigation too, but takes no part in the story of alpha and bravo.
        await GivenMemberAsync(investigation.Id, "olga@lab", InvestigationRole.Coordinator);
        await Server.ClientFor("eva@bravo").SignOffAsync(story.Id, new SignOffChange(SignOffSteps.LegalReview, true));

        var olga = (await Server.ClientFor("olga@lab").ListAuditAsync(investigation.Id)).Items.Where(e => e.TargetType == "story").ToList();
        var ines = (await Ines.ListAuditAsync(investigation.Id)).Items.Where(e => e.TargetType == "story").ToList();

        // The participating coordinator reads which story and what was done to it ...
        Assert.Contains(ines, e => e.Action == "publication.story-planned" && e.TargetId == story.Id.ToString() && e.Detail!.Contains("bravo"));
        Assert.Contains(ines, e => e.Action == "publication.signed-off" && e.TargetId == story.Id.ToString());
        // ... the other reads that something was done to a story, by whom and when, never which one nor its outlets.
        Assert.Equal(ines.Select(e => (e.Index, e.Action, e.ActorUserId)), olga.Select(e => (e.Index, e.Action, e.ActorUserId)));
        Assert.All(olga, e =>
        {
            Assert.Null(e.TargetId);
            Assert.Equal("withheld: outside your outlet's access", e.Detail);
        });
        Assert.DoesNotContain(olga, e => e.ToString().Contains(story.Id.ToString(), StringComparison.Ordinal));
    }

    private async Task<ChannelReader<PublicationPush>> ConnectAsync(ConsortiumClient client)
    {
        var connection = client.CreateHubConnection();
        var pushes = Channel.CreateUnbounded<PublicationPush>();
        connection.On<PublicationPush>(PublicationHub.PublicationChanged, p => pushes.Writer.TryWrite(p));
        await connection.StartAsync();
        return pushes.Reader;
    }
}
