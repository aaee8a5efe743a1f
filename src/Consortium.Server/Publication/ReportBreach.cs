using System.Security.Cryptography;
using Consortium.Client;
using Consortium.Server.Audit;
using Consortium.Server.Hosting;
using Consortium.Server.Identity;
using Marten;

namespace Consortium.Server.Publication;

/// <summary>A participant reports a suspected break of the embargo; every participant and coordinator hears of it at once.</summary>
public static class ReportBreach
{
    private const int MaxEvidenceBytes = 5 * 1024 * 1024;

    /// <summary>A breach's evidence file, kept as the desk received it. Id: the breach id.</summary>
    public sealed record BreachEvidence(Guid Id, Guid StoryId, string FileName, string Sha256, byte[] Content);

    public static async Task<IResult> Handle(Guid storyId, NewBreach breach, HttpContext http, PublicationAccess access, PublicationWrites writes, PublicationClock clock,
        IQuerySession session, PublicationOptions options, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        if (await access.StoryAsync(user, storyId, cancellationToken) is not { } granted)
        {
            return Problems.NotFound("story");
        }
        if (!PublicationAccess.CanTakePart(granted.Role))
        {
            return Problems.Forbidden("Read-only members and sync clients cannot report a breach.");
        }
        if (PublicationLimits.First(PublicationLimits.Text("link", breach.Link), PublicationLimits.Date("seenAt", breach.SeenAt),
            PublicationLimits.Text("evidenceFileName", breach.EvidenceFileName, PublicationLimits.MaxShortText)) is { } tooMuch)
        {
            return tooMuch;
        }
        if (!Uri.TryCreate(breach.Link, UriKind.Absolute, out var link) || link.Scheme is not ("http" or "https"))
        {
            return PlanPublication.Invalid("link", "Give the http(s) link where the story was seen.");
        }
        if (breach.SeenAt > clock.Now.AddMinutes(5))
        {
            return PlanPublication.Invalid("seenAt", "The time seen is in the future.");
        }
        byte[]? content = null;
        if (breach.EvidenceBase64 is { Length: > 0 } encoded)
        {
            content = new byte[encoded.Length * 3 / 4 + 3];
            if (!Convert.TryFromBase64String(encoded, content, out var written) || written > MaxEvidenceBytes)
            {
                return PlanPublication.Invalid("evidenceBase64", $"The evidence file must be base64, at most {MaxEvidenceBytes / 1024 / 1024} MB.");
            }
            content = content[..written];
            if (string.IsNullOrWhiteSpace(breach.EvidenceFileName))
            {
                return PlanPublication.Invalid("evidenceFileName", "Name the evidence file.");
            }
        }
        var story = granted.Item;
        var breachId = Guid.CreateVersion7();
        var sha = content is null ? null : Convert.ToHexStringLower(SHA256.HashData(content));
        if (content is not null)
        {
            writes.Session.Store(new BreachEvidence(breachId, storyId, Path.GetFileName(breach.EvidenceFileName!), sha!, content));
        }
        var now = clock.Now;
        writes.Notify(granted.Investigation, story.ParticipantOutletIds, withCoordinators: true, PublicationNoticeKinds.BreachReported, story.WaveId, storyId,
            $"{user.DisplayName} ({user.OutletId}) reports a suspected breach of the embargo of '{story.Title}': {link}", now, exceptUserId: user.UserId);
        return await writes.AppendAsync<PublicationStory>(http, storyId, story.Version,
            [new BreachReported(breachId, user.OutletId, user.UserId, user.DisplayName, link.ToString(), breach.SeenAt, content is null ? null : Path.GetFileName(breach.EvidenceFileName!), sha, now)],
            new AuditSubject("publication.breach-reported", story.InvestigationId, "story", storyId.ToString(), $"breach {breachId} seen {breach.SeenAt:O} at {link}"), "story", cancellationToken)
            ?? await PlanPublication.GetStory(storyId, null, http, access, session, options, cancellationToken);
    }
}
