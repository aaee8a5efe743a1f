using Consortium.Client;
using Consortium.Server.Audit;
using Consortium.Server.Hosting;
using Consortium.Server.Identity;
using Marten;

namespace Consortium.Server.Publication;

/// <summary>Right of reply: an editor of a participating outlet records a letter sent to a subject, and later the response.</summary>
public static class SendReplyLetter
{
    public static async Task<IResult> Send(Guid storyId, NewLetter letter, HttpContext http, PublicationAccess access, PublicationWrites writes, PublicationClock clock,
        IQuerySession session, PublicationOptions options, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        if (await access.StoryAsync(user, storyId, cancellationToken) is not { } granted)
        {
            return Problems.NotFound("story");
        }
        if (!PublicationAccess.CanEdit(granted.Role))
        {
            return Problems.Forbidden("Only editors manage right-of-reply letters.");
        }
        if (string.IsNullOrWhiteSpace(letter.Recipient))
        {
            return PlanPublication.Invalid("recipient", "Name the subject the letter went to.");
        }
        if (string.IsNullOrWhiteSpace(letter.Channel))
        {
            return PlanPublication.Invalid("channel", "Say how it was sent (email, post, in person).");
        }
        if (string.IsNullOrWhiteSpace(letter.AllegationsVersion))
        {
            return PlanPublication.Invalid("allegationsVersion", "Name the version of the allegations the letter put.");
        }
        if (PublicationLimits.First(PublicationLimits.Text("recipient", letter.Recipient, PublicationLimits.MaxShortText),
            PublicationLimits.Text("channel", letter.Channel, PublicationLimits.MaxShortText), PublicationLimits.Text("allegationsVersion", letter.AllegationsVersion, PublicationLimits.MaxShortText),
            PublicationLimits.Date("sentAt", letter.SentAt), PublicationLimits.Date("deadline", letter.Deadline)) is { } tooMuch)
        {
            return tooMuch;
        }
        if (letter.SentAt > clock.Now + PublicationLimits.SentAheadAllowance)
        {
            return PlanPublication.Invalid("sentAt", "A letter is not sent more than a year ahead.");
        }
        if (granted.Item.Letters.Count >= PublicationLimits.MaxLettersPerStory)
        {
            return PlanPublication.Invalid("letters", $"A story has at most {PublicationLimits.MaxLettersPerStory} letters.");
        }
        if (letter.Deadline <= letter.SentAt)
        {
            return PlanPublication.Invalid("deadline", "The reply deadline must be after the letter was sent.");
        }
        var story = granted.Item;
        var quoting = (letter.QuotingOutletIds ?? []).Distinct().ToList();
        if (quoting.FirstOrDefault(o => !story.HasParticipant(o)) is { } stranger)
        {
            return PlanPublication.Invalid("quotingOutletIds", $"'{stranger}' does not take part in this story.");
        }
        if (PublicationWrites.CheckIfMatch(http, story.Version) is { } stale)
        {
            return stale;
        }
        var letterId = Guid.CreateVersion7();
        var sent = new LetterSent(letterId, user.OutletId, letter.Recipient.Trim(), letter.Channel.Trim(), letter.AllegationsVersion.Trim(), letter.SentAt, letter.Deadline, quoting,
            user.UserId, clock.Now);
        return await writes.AppendAsync<PublicationStory>(http, storyId, story.Version, [sent],
            new AuditSubject("publication.letter-sent", story.InvestigationId, "story", storyId.ToString(), $"letter {letterId}, deadline {letter.Deadline:O}"), "story", cancellationToken)
            ?? await Created(storyId, http, access, session, options, cancellationToken);
    }

    private static async Task<IResult> Created(Guid storyId, HttpContext http, PublicationAccess access, IQuerySession session, PublicationOptions options, CancellationToken cancellationToken) =>
        await PlanPublication.GetStory(storyId, null, http, access, session, options, cancellationToken) is Microsoft.AspNetCore.Http.HttpResults.Ok<StoryView> ok
            ? TypedResults.Created($"/api/publication/stories/{storyId}", ok.Value)
            : Problems.NotFound("story");

    public static async Task<IResult> Answer(Guid storyId, Guid letterId, LetterResponse response, HttpContext http, PublicationAccess access, PublicationWrites writes,
        PublicationClock clock, IQuerySession session, PublicationOptions options, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        if (await access.StoryAsync(user, storyId, cancellationToken) is not { } granted)
        {
            return Problems.NotFound("story");
        }
        var story = granted.Item;
        if (story.Letters.FirstOrDefault(l => l.Id == letterId) is not { } letter)
        {
            return Problems.NotFound("letter");
        }
        if (!PublicationAccess.CanEdit(granted.Role) || letter.OutletId != user.OutletId)
        {
            return Problems.Forbidden("Only editors of the outlet that sent the letter record its response.");
        }
        if (PublicationLimits.First(PublicationLimits.Date("receivedAt", response.ReceivedAt), PublicationLimits.Text("text", response.Text, PublicationLimits.MaxResponseText)) is { } tooMuch)
        {
            return tooMuch;
        }
        if (response.ReceivedAt < letter.SentAt)
        {
            return PlanPublication.Invalid("receivedAt", "A response cannot arrive before its letter was sent.");
        }
        if (PublicationWrites.CheckIfMatch(http, story.Version) is { } stale)
        {
            return stale;
        }
        return await writes.AppendAsync<PublicationStory>(http, storyId, story.Version, [new LetterAnswered(letterId, response.ReceivedAt, response.Text, user.UserId, clock.Now)],
            new AuditSubject("publication.letter-answered", story.InvestigationId, "story", storyId.ToString(), $"letter {letterId}"), "story", cancellationToken)
            ?? await PlanPublication.GetStory(storyId, null, http, access, session, options, cancellationToken);
    }
}
