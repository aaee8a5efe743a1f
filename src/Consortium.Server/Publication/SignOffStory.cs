using Consortium.Client;
using Consortium.Server.Audit;
using Consortium.Server.Hosting;
using Consortium.Server.Identity;
using Marten;

namespace Consortium.Server.Publication;

/// <summary>An editor of a participating outlet signs off a named step for their outlet, or withdraws it, until the lift.</summary>
public static class SignOffStory
{
    public static async Task<IResult> Handle(Guid storyId, SignOffChange change, HttpContext http, PublicationAccess access, PublicationWrites writes, PublicationClock clock,
        IQuerySession session, PublicationOptions options, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        if (await access.StoryAsync(user, storyId, cancellationToken) is not { } granted)
        {
            return Problems.NotFound("story");
        }
        if (!PublicationAccess.CanEdit(granted.Role))
        {
            return Problems.Forbidden("Only your outlet's editors sign off.");
        }
        if (!SignOffSteps.All.Contains(change.Step))
        {
            return PlanPublication.Invalid("step", $"Steps are {string.Join(", ", SignOffSteps.All)}.");
        }
        if (PublicationWrites.CheckIfMatch(http, granted.Item.Version) is { } stale)
        {
            return stale;
        }
        var story = granted.Item;
        var wave = await session.LoadAsync<PublicationWave>(story.WaveId, cancellationToken);
        if (wave is null || wave.IsLifted)
        {
            return Problems.Conflict("The embargo was lifted", "Sign-offs are final once the story is out.");
        }
        var done = story.SignOffs.Any(s => s.OutletId == user.OutletId && s.Step == change.Step);
        if (done == change.Done)
        {
            return await PlanPublication.GetStory(storyId, null, http, access, session, options, cancellationToken);
        }
        object e = change.Done
            ? new SignOffGiven(user.OutletId, change.Step, user.UserId, user.DisplayName, clock.Now)
            : new SignOffWithdrawn(user.OutletId, change.Step, user.UserId, user.DisplayName, clock.Now);
        return await writes.AppendAsync<PublicationStory>(http, storyId, story.Version, [e],
            new AuditSubject(change.Done ? "publication.signed-off" : "publication.sign-off-withdrawn", story.InvestigationId, "story", storyId.ToString(), $"{user.OutletId} {change.Step}"),
            "story", cancellationToken)
            ?? await PlanPublication.GetStory(storyId, null, http, access, session, options, cancellationToken);
    }
}
