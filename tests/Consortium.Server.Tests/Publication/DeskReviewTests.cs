using System.Net;

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
}
