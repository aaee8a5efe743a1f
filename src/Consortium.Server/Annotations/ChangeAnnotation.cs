using Consortium.Client;
using Consortium.Server.Access;
using Consortium.Server.Identity;

namespace Consortium.Server.Annotations;

/// <summary>Why a change is refused: the HTTP status, and either field errors (400) or a title and detail.</summary>
public sealed record Refusal(int Status, string Title, string Detail, Dictionary<string, string[]>? Errors = null)
{
    public static Refusal Invalid(string field, string message) => new(400, "Invalid change", message, new() { [field] = [message] });

    public static Refusal Forbidden(string detail) => new(403, "Not allowed for your role", detail);

    public static Refusal Conflict(string detail) => new(409, "The annotation cannot change", detail);
}

/// <summary>What the caller is changing, with whom and where: the input of every change decision.</summary>
public sealed record ChangeContext(ConsortiumUser User, InvestigationRole Role, Investigation Investigation, Annotation Current, DateTimeOffset Now);

/// <summary>
/// The decisions behind every change to an annotation. Pure: each returns the event to append, or why not. The
/// endpoint checks visibility, the annotating role and the expected version before calling them.
/// </summary>
public static class ChangeAnnotation
{
    public const int MaxEvidence = 50;

    public static (object? Event, Refusal? Refusal) Edit(ChangeContext c, AnnotationChange change)
    {
        var a = c.Current;
        if (a.Author != c.User.UserId)
        {
            return (null, Refusal.Forbidden("Only the author edits an annotation; others comment or retract."));
        }
        if (a.Retracted)
        {
            return (null, Refusal.Conflict("A retracted annotation is not edited."));
        }
        var errors = new Dictionary<string, string[]>();
        switch (a.Kind)
        {
            case AnnotationKinds.Note or AnnotationKinds.Comment:
                AddAnnotation.ValidateText(change.Text, errors);
                if (change.Tag is not null || change.Identification is not null)
                {
                    errors["kind"] = ["A note or comment changes only its text."];
                }
                break;
            case AnnotationKinds.Tag:
                AddAnnotation.ValidateTag(change.Tag, errors);
                if (change.Text is not null || change.Identification is not null)
                {
                    errors["kind"] = ["A tag changes only its tag."];
                }
                break;
            case AnnotationKinds.Identification:
                AddAnnotation.ValidateIdentification(change.Identification, errors, c.Investigation);
                if (change.Text is not null || change.Tag is not null)
                {
                    errors["kind"] = ["An identification changes only its identification."];
                }
                break;
            default:
                errors["kind"] = ["A verification moves through its own route (POST .../verification)."];
                break;
        }
        if (errors.Count > 0)
        {
            return (null, new Refusal(400, "Invalid change", "See errors.", errors));
        }
        var identification = change.Identification is { } i ? StoredIdentification.From(i, a.Identification?.IdentifiedByOutletId ?? a.OutletId) : null;
        return (new AnnotationEdited(change.Text, change.Tag?.Trim(), identification, AddAnnotation.Mentions(change.Text, c.Investigation), c.User.UserId, c.User.DisplayName, c.Now), null);
    }

    // stored: the sizes of the cited files that the investigation holds (EvidenceStore), by SHA-256 in lower case.
    public static (object? Event, Refusal? Refusal) MoveVerification(ChangeContext c, VerificationChange change, IReadOnlyDictionary<string, long> stored)
    {
        var a = c.Current;
        if (a.Kind != AnnotationKinds.Verification || a.Verification is null)
        {
            return (null, Refusal.Invalid("kind", "Only a verification has a state."));
        }
        if (a.Retracted)
        {
            return (null, Refusal.Conflict("A retracted verification does not move."));
        }
        var allowed = VerificationRules.Next(a.Verification.State);
        if (!allowed.Contains(change.State))
        {
            return (null, Refusal.Invalid("state", allowed.Count == 0
                ? $"A verification in state {a.Verification.State} does not move any more."
                : $"From {a.Verification.State} a verification moves to {string.Join(" or ", allowed)}."));
        }
        var forensic = VerificationRules.IsForensic(change.State);
        if (!VerificationRules.MayTake(change.State, c.Role))
        {
            return (null, Refusal.Forbidden("Forensic steps of a verification are for analysts (and coordinators)."));
        }
        if (change.State == VerificationStates.PeerReviewed && !VerificationRules.MayPeerReview(a.Verification, c.User.UserId))
        {
            return (null, Refusal.Forbidden("A peer review is another analyst's."));
        }
        var evidence = change.Evidence ?? [];
        if (evidence.Count + (a.Verification.Evidence?.Count ?? 0) > MaxEvidence
            || evidence.Any(e => string.IsNullOrWhiteSpace(e.Name) || e.Name.Length > AddAnnotation.MaxFieldLength || e.Size < 0
                || e.Sha256.Length != 64 || !e.Sha256.All(Uri.IsHexDigit) || (e.Description?.Length ?? 0) > AddAnnotation.MaxFieldLength))
        {
            return (null, Refusal.Invalid("evidence", $"Each piece of evidence has a name, a SHA-256 in hex and a size; at most {MaxEvidence} in all."));
        }
        if (evidence.FirstOrDefault(e => stored.TryGetValue(e.Sha256.ToLowerInvariant(), out var size) && size != e.Size) is { } mismatch)
        {
            return (null, Refusal.Invalid("evidence", $"\"{mismatch.Name}\" names a stored file of another size: the SHA-256 and the size must be the file's."));
        }
        if ((change.Tool?.Length ?? 0) > AddAnnotation.MaxFieldLength || (change.IndicatorSetVersion?.Length ?? 0) > AddAnnotation.MaxFieldLength
            || (change.Comment?.Length ?? 0) > AddNote.MaxTextLength)
        {
            return (null, Refusal.Invalid("tool", "Tool and indicator-set version hold at most 500 characters, the comment 20,000."));
        }
        var previous = a.Verification;
        var next = new StoredVerification(
            change.State,
            // The analyst is whoever recorded the forensic result; a peer reviewer is the event's author, not the analyst.
            forensic && change.State != VerificationStates.PeerReviewed ? c.User.UserId : previous.AnalystUserId,
            change.Tool ?? previous.Tool,
            change.IndicatorSetVersion ?? previous.IndicatorSetVersion,
            [.. previous.Evidence ?? [], .. evidence.Select(e =>
                new StoredEvidence(e.Name, e.Sha256.ToLowerInvariant(), e.Size, e.Description, stored.ContainsKey(e.Sha256.ToLowerInvariant())))]);
        return (new VerificationMoved(next, change.Comment, c.User.UserId, c.User.DisplayName, c.Now), null);
    }

    // assigneeMaySee: whether the assignee (when one is named) is a current member who may read the annotation.
    public static (object? Event, Refusal? Refusal) Assign(ChangeContext c, AssignmentChange change, bool assigneeMaySee)
    {
        if (c.Current.Retracted)
        {
            return (null, Refusal.Conflict("A retracted annotation is not assigned."));
        }
        if (change.AssigneeUserId is not null && !assigneeMaySee)
        {
            return (null, Refusal.Invalid("assigneeUserId", "The assignee is a current member of the investigation who may read this annotation."));
        }
        return (new AnnotationAssigned(change.AssigneeUserId, c.User.UserId, c.User.DisplayName, c.Now), null);
    }

    public static (object? Event, Refusal? Refusal) Resolve(ChangeContext c, ResolutionChange change) =>
        c.Current.Retracted
            ? (null, Refusal.Conflict("A retracted annotation is not resolved."))
            : (new AnnotationResolved(change.Resolved, c.User.UserId, c.User.DisplayName, c.Now), null);

    public static (object? Event, Refusal? Refusal) Retract(ChangeContext c, Retraction retraction)
    {
        if (c.Current.Author != c.User.UserId && !Permissions.CanCoordinate(c.Role))
        {
            return (null, Refusal.Forbidden("Only the author or a coordinator retracts an annotation."));
        }
        if (c.Current.Retracted)
        {
            return (null, Refusal.Conflict("The annotation is already retracted."));
        }
        if ((retraction.Reason?.Length ?? 0) > AddAnnotation.MaxFieldLength)
        {
            return (null, Refusal.Invalid("reason", "A reason holds at most 500 characters."));
        }
        return (new AnnotationRetracted(retraction.Reason, c.User.UserId, c.User.DisplayName, c.Now), null);
    }
}
