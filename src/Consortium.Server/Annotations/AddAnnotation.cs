using System.Text.RegularExpressions;
using Consortium.Client;
using Consortium.Server.Access;
using Consortium.Server.Identity;

namespace Consortium.Server.Annotations;

/// <summary>Adding an annotation of any kind: validation and the decision are pure; the endpoint appends what they decide.</summary>
public static partial class AddAnnotation
{
    public const int MaxTagLength = 64;
    public const int MaxFieldLength = 500;
    public static readonly IReadOnlyList<string> Confidences = ["low", "medium", "high"];

    public static Dictionary<string, string[]> Validate(NewAnnotation request, Investigation investigation, ConsortiumUser author, Annotation? parent)
    {
        var errors = new Dictionary<string, string[]>();
        if (!AnnotationKinds.All.Contains(request.Kind))
        {
            errors["kind"] = [$"Kind is one of {string.Join(", ", AnnotationKinds.All)}."];
            return errors;
        }
        if (request.Kind == AnnotationKinds.Comment)
        {
            // A comment takes its thread's visibility, so only the thread needs checking here.
            if (parent is null)
            {
                errors["parentId"] = ["A comment names the annotation whose thread it joins."];
            }
        }
        else
        {
            ValidateVisibility(request.Visibility, request.SharedWithOutletIds, investigation, author, errors);
            if (request.ParentId is not null)
            {
                errors["parentId"] = ["Only comments join a thread."];
            }
        }
        switch (request.Kind)
        {
            case AnnotationKinds.Note or AnnotationKinds.Comment:
                ValidateText(request.Text, errors);
                break;
            case AnnotationKinds.Tag:
                ValidateTag(request.Tag, errors);
                break;
            case AnnotationKinds.Identification:
                ValidateIdentification(request.Identification, errors, investigation);
                break;
        }
        return errors;
    }

    public static void ValidateText(string? text, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            errors["text"] = ["A note needs some text."];
        }
        else if (text.Length > AddNote.MaxTextLength)
        {
            errors["text"] = [$"A note holds at most {AddNote.MaxTextLength} characters."];
        }
    }

    public static void ValidateTag(string? tag, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(tag) || tag.Length > MaxTagLength)
        {
            errors["tag"] = [$"A tag has 1 to {MaxTagLength} characters."];
        }
    }

    public static void ValidateIdentification(IdentificationView? identification, Dictionary<string, string[]> errors, Investigation investigation)
    {
        // The outlet that identified may be a partner's (a reporter records what a colleague found); it defaults to the author's.
        if (!string.IsNullOrWhiteSpace(identification?.IdentifiedByOutletId) && !investigation.HasMember(identification.IdentifiedByOutletId))
        {
            errors["identification.identifiedByOutletId"] = ["The outlet that identified is a member outlet of the investigation."];
        }
        if (identification is null || string.IsNullOrWhiteSpace(identification.Person) || identification.Person.Length > MaxFieldLength)
        {
            errors["identification.person"] = ["An identification names the person (up to 500 characters)."];
        }
        if (identification is not null && !Confidences.Contains(identification.Confidence))
        {
            errors["identification.confidence"] = ["Confidence is low, medium or high."];
        }
        if (identification is not null && ((identification.Role?.Length ?? 0) > MaxFieldLength || (identification.Sources?.Any(s => s.Length > MaxFieldLength) ?? false) || (identification.Sources?.Count ?? 0) > 50))
        {
            errors["identification"] = ["Role and each source hold at most 500 characters; at most 50 sources."];
        }
    }

    public static void ValidateVisibility(Visibility visibility, IReadOnlyList<string>? sharedWith, Investigation investigation, ConsortiumUser author, Dictionary<string, string[]> errors)
    {
        if (!Enum.IsDefined(visibility))
        {
            errors["visibility"] = ["Visibility is consortium, outlet, partners or private."];
        }
        else if (visibility == Visibility.Partners)
        {
            var partners = sharedWith?.Where(o => o != author.OutletId).Distinct().ToList() ?? [];
            if (partners.Count == 0)
            {
                errors["sharedWithOutletIds"] = ["Name at least one partner outlet besides your own."];
            }
            else if (partners.FirstOrDefault(o => !investigation.HasMember(o)) is { } stranger)
            {
                // Every id here is a member the author may already list; one that is not is simply refused.
                errors["sharedWithOutletIds"] = [$"'{stranger}' is not a member outlet of the investigation."];
            }
        }
        else if (sharedWith is { Count: > 0 })
        {
            errors["sharedWithOutletIds"] = ["Partner outlets are named only with visibility partners."];
        }
    }

    /// <summary>The members mentioned as <c>@userId</c> in <paramref name="text"/>; other words after an @ are left alone (e-mail addresses, handles).</summary>
    public static IReadOnlyList<string>? Mentions(string? text, Investigation investigation)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }
        var matches = MentionPattern().Matches(text);
        if (matches.Count == 0)
        {
            // Most notes mention no one: the set of an investigation's members (hundreds) is built only when one might.
            return null;
        }
        var members = investigation.People.Select(p => p.UserId).ToHashSet(StringComparer.Ordinal);
        var found = matches.Select(m => m.Groups[1].Value).Where(members.Contains).Distinct().ToList();
        return found.Count > 0 ? found : null;
    }

    public static AnnotationCreated Decide(ConsortiumUser author, Dataset dataset, LeakedRecord record, NewAnnotation request, Annotation? parent, Investigation investigation, DateTimeOffset now)
    {
        var (visibility, sharedWith) = parent is not null
            ? (parent.Visibility, parent.SharedWithOutletIds)
            : (request.Visibility, request.Visibility == Visibility.Partners
                ? request.SharedWithOutletIds!.Where(o => o != author.OutletId).Distinct().Order(StringComparer.Ordinal).ToList()
                : null);
        var identification = request.Kind == AnnotationKinds.Identification ? StoredIdentification.From(request.Identification!, author.OutletId) : null;
        var verification = request.Kind == AnnotationKinds.Verification ? new StoredVerification(VerificationStates.Unverified) : null;
        var text = request.Kind is AnnotationKinds.Note or AnnotationKinds.Comment ? request.Text! : "";
        return new AnnotationCreated(Guid.CreateVersion7(), record.Id, dataset.Id, dataset.InvestigationId, request.Kind, author.UserId, author.DisplayName, author.OutletId,
            visibility, sharedWith, text, request.Kind == AnnotationKinds.Tag ? request.Tag!.Trim() : null, identification, verification,
            request.Kind == AnnotationKinds.Comment ? parent!.Id : null, Mentions(text, investigation), now);
    }

    [GeneratedRegex(@"(?<![\w.])@([\w.\-]+)")]
    private static partial Regex MentionPattern();
}
