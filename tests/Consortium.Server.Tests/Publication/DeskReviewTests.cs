using System.Net;
using Consortium.Server.Publication;
using Microsoft.Extensions.DependencyInjection;

namespace Consortium.Server.Tests.Publication;

/// <summary>The hostile review of the embargo desk: each test is the attacker's request (or the missed duty) and the answer that must come back.</summary>
[Collection(PublicationCollection.Name)]
public sealed class DeskReviewTests(PublicationServer server) : PublicationTest(server)
{
    [Fact]
    public async Task A_breach_report_reaches_the_coordinators_even_when_their_outlet_is_not_in_the_story()
    {
        var (investigation, wave, _) = await GivenPlanAsync();
        var story = await Ines.CreateStoryAsync(investigation.Id, new NewStory(wave.Id, "Bravo and the lab", "", "bravo", ["lab"]));

        await Server.ClientFor("tom@bravo").ReportBreachAsync(story.Id, new NewBreach("https://example.com/leaked", Server.Clock.Now));

        Assert.Contains(await Ines.ListPublicationNoticesAsync(), n => n.Kind == PublicationNoticeKinds.BreachReported && n.StoryId == story.Id);
        Assert.Contains(await Server.ClientFor("marc@alpha").ListPublicationNoticesAsync(), n => n.Kind == PublicationNoticeKinds.BreachReported && n.StoryId == story.Id);
    }

    [Fact]
    public async Task An_outlet_taken_off_a_story_no_longer_reads_that_storys_notices()
    {
        var (investigation, wave, story) = await GivenPlanAsync();
        // Bravo stays in the wave through another story, so only the story rule can hide the notice.
        await Ines.CreateStoryAsync(investigation.Id, new NewStory(wave.Id, "Another story", "", "alpha", ["bravo"]));
        await Server.ClientFor("marie@alpha").ReportBreachAsync(story.Id, new NewBreach("https://example.com/early", Server.Clock.Now));
        Assert.Contains(await Server.ClientFor("tom@bravo").ListPublicationNoticesAsync(), n => n.StoryId == story.Id);

        using var removed = await SendAsync("ines@alpha", HttpMethod.Patch, $"api/publication/stories/{story.Id}", new StoryChange(ParticipantOutletIds: ["alpha"]));
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);

        Assert.DoesNotContain(await Server.ClientFor("tom@bravo").ListPublicationNoticesAsync(), n => n.StoryId == story.Id);
    }

    [Fact]
    public async Task One_coordinator_alone_cannot_lift_an_embargo_early_a_second_must_ask_too()
    {
        var (_, wave, _) = await GivenPlanAsync();

        using var alone = await SendAsync("ines@alpha", HttpMethod.Post, $"api/publication/waves/{wave.Id}/embargo/lift-early", new EmbargoReason("I say so"));
        using var again = await SendAsync("ines@alpha", HttpMethod.Post, $"api/publication/waves/{wave.Id}/embargo/lift-early", new EmbargoReason("I really say so"));

        Assert.Equal(HttpStatusCode.Accepted, alone.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal(EmbargoStates.Locked, (await Ines.GetWaveAsync(wave.Id)).Embargo.State);
        Assert.DoesNotContain(await Server.ClientFor("eva@bravo").ListPublicationNoticesAsync(), n => n.Kind == PublicationNoticeKinds.EmbargoLifted);
        Assert.Contains(await Server.ClientFor("marc@alpha").ListPublicationNoticesAsync(), n => n.Kind == PublicationNoticeKinds.MoveAwaitsConfirmation && n.WaveId == wave.Id);

        var confirmed = await Server.ClientFor("marc@alpha").LiftEmbargoEarlyAsync(wave.Id, "Confirmed");
        Assert.Equal(EmbargoStates.LiftedEarly, confirmed.Embargo.State);
    }

    [Fact]
    public async Task A_draft_moved_to_a_minute_from_now_waits_for_a_second_coordinator()
    {
        var (_, wave, _) = await GivenPlanAsync(locked: false);

        using var moved = await SendAsync("ines@alpha", HttpMethod.Post, $"api/publication/waves/{wave.Id}/embargo/move",
            new EmbargoMove(new EmbargoInput(Local(Server.Clock.Now.AddMinutes(1)), "UTC"), "Now"));

        Assert.Equal(HttpStatusCode.Accepted, moved.StatusCode);
        var after = await Ines.GetWaveAsync(wave.Id);
        Assert.Equal(wave.Embargo.Utc, after.Embargo.Utc);
        Assert.NotNull(after.Embargo.PendingMove);
    }

    [Fact]
    public async Task A_lock_within_the_margin_needs_a_second_coordinator_and_participants_hear_of_the_lock()
    {
        var (_, wave, _) = await GivenPlanAsync(inHours: 1, locked: false);

        using var first = await SendAsync("ines@alpha", HttpMethod.Post, $"api/publication/waves/{wave.Id}/embargo/lock");
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(EmbargoStates.Draft, (await Ines.GetWaveAsync(wave.Id)).Embargo.State);

        var locked = await Server.ClientFor("marc@alpha").LockEmbargoAsync(wave.Id);

        Assert.Equal(EmbargoStates.Locked, locked.Embargo.State);
        Assert.Contains(await Server.ClientFor("tom@bravo").ListPublicationNoticesAsync(), n => n.Kind == PublicationNoticeKinds.EmbargoLocked && n.WaveId == wave.Id);
    }

    [Fact]
    public async Task A_lifting_node_whose_clock_runs_an_hour_fast_lifts_nothing_early_and_reports_the_skew()
    {
        Server.Clock.Set(DateTimeOffset.UtcNow);
        var (_, wave, _) = await GivenPlanAsync(inHours: 0.5);
        // The node believes the instant passed half an hour ago; the database knows it is half an hour away.
        Server.Clock.Set(DateTimeOffset.UtcNow.AddHours(1));
        var node = await Server.StartLiftingNodeAsync(databaseTime: true);
        try
        {
            var lifter = node.Services.GetRequiredService<LiftEmbargoes>();
            await lifter.RoundsAsync();

            Assert.Equal(EmbargoStates.Locked, (await Ines.GetWaveAsync(wave.Id)).Embargo.State);
            Assert.True(lifter.ClockSkew < TimeSpan.FromMinutes(-55), $"skew {lifter.ClockSkew}");
            using var health = await node.CreateClient().GetAsync("healthz");
            Assert.Equal("Degraded", await health.Content.ReadAsStringAsync());
        }
        finally
        {
            await ((IAsyncLifetime)node).DisposeAsync();
        }
    }

    [Fact]
    public async Task Extreme_dates_and_oversized_fields_are_refused_with_400_naming_the_field_and_nothing_is_stored()
    {
        var (investigation, wave, story) = await GivenPlanAsync();
        var eva = "eva@bravo";

        await AssertInvalidAsync(await SendAsync(eva, HttpMethod.Post, $"api/publication/stories/{story.Id}/letters",
            new NewLetter("The minister", "email", "v1", DateTimeOffset.MinValue, DateTimeOffset.MaxValue)), "sentAt");
        await AssertInvalidAsync(await SendAsync(eva, HttpMethod.Post, $"api/publication/stories/{story.Id}/letters",
            new NewLetter("The minister", "email", "v1", Server.Clock.Now.AddDays(400), Server.Clock.Now.AddDays(410))), "sentAt");
        await AssertInvalidAsync(await SendAsync("ines@alpha", HttpMethod.Post, $"api/publication/investigations/{investigation.Id}/waves",
            new NewWave("Far", new EmbargoInput("9999-12-31T23:59", "Pacific/Kiritimati"))), "embargo.localTime");
        await AssertInvalidAsync(await SendAsync("ines@alpha", HttpMethod.Post, $"api/publication/investigations/{investigation.Id}/stories",
            new NewStory(wave.Id, "Forever", "", "alpha", [], SignOffDeadline: DateTimeOffset.MaxValue)), "signOffDeadline");
        await AssertInvalidAsync(await SendAsync("ines@alpha", HttpMethod.Post, $"api/publication/investigations/{investigation.Id}/stories",
            new NewStory(wave.Id, "Heavy", "", "alpha", [], new StoryMaterial(Enumerable.Range(0, 201).Select(_ => Guid.NewGuid()).ToList()))), "material.recordIds");
        await AssertInvalidAsync(await SendAsync("ines@alpha", HttpMethod.Post, $"api/publication/waves/{wave.Id}/embargo/move",
            new EmbargoMove(new EmbargoInput(Local(Server.Clock.Now.AddDays(5)), "UTC"), new string('x', 2001))), "reason");
        await AssertInvalidAsync(await SendAsync("tom@bravo", HttpMethod.Post, $"api/publication/stories/{story.Id}/breaches",
            new NewBreach("https://example.com/" + new string('a', 2100), Server.Clock.Now)), "link");

        var after = await Ines.GetStoryAsync(story.Id);
        Assert.Empty(after.Letters);
        Assert.Empty(after.Breaches);
        Assert.Empty((await Ines.GetWaveAsync(wave.Id)).Moves);
        Assert.Single((await Ines.GetPublicationPlanAsync(investigation.Id)).Stories);
    }

    private static async Task AssertInvalidAsync(HttpResponseMessage response, string field)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{response.StatusCode}: {body}");
            using var problem = System.Text.Json.JsonDocument.Parse(body);
            Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), body);
        }
    }
}
