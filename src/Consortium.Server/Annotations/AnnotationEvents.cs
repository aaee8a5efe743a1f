using Consortium.Client;
using Consortium.Server.Hosting;

namespace Consortium.Server.Annotations;

// Every annotation is one event stream. Creation events carry where the record sits, so pushes and feeds need no
// lookup; later events carry only what changed, who changed it and when. Nothing is ever deleted. Events hold
// their own types (StoredAnnotationParts), never wire views.

/// <summary>A reporter added a note to a record.</summary>
[Announced]
public sealed record NoteAdded(
    Guid AnnotationId,
    Guid RecordId,
    Guid DatasetId,
    Guid InvestigationId,
    string Author,
    string AuthorName,
    string OutletId,
    string Text,
    Visibility Visibility,
    DateTimeOffset At,
    IReadOnlyList<string>? SharedWithOutletIds = null,
    IReadOnlyList<string>? Mentions = null);

/// <summary>A member added an annotation of another kind than a note (tag, identification, verification, comment).</summary>
[Announced]
public sealed record AnnotationCreated(
    Guid AnnotationId,
    Guid RecordId,
    Guid DatasetId,
    Guid InvestigationId,
    string Kind,
    string Author,
    string AuthorName,
    string OutletId,
    Visibility Visibility,
    IReadOnlyList<string>? SharedWithOutletIds,
    string Text,
    string? Tag,
    StoredIdentification? Identification,
    StoredVerification? Verification,
    Guid? ParentId,
    IReadOnlyList<string>? Mentions,
    DateTimeOffset At);

/// <summary>The author changed the text, tag or identification; fields left null kept their value.</summary>
[Announced]
public sealed record AnnotationEdited(string? Text, string? Tag, StoredIdentification? Identification, IReadOnlyList<string>? Mentions, string By, string ByName, DateTimeOffset At);

/// <summary>A verification moved one step through the state machine.</summary>
[Announced]
public sealed record VerificationMoved(StoredVerification Verification, string? Comment, string By, string ByName, DateTimeOffset At);

/// <summary>The annotation was assigned to a member (or unassigned, with null).</summary>
[Announced]
public sealed record AnnotationAssigned(string? AssigneeUserId, string By, string ByName, DateTimeOffset At);

/// <summary>A thread was resolved or reopened.</summary>
[Announced]
public sealed record AnnotationResolved(bool Resolved, string By, string ByName, DateTimeOffset At);

/// <summary>The annotation was retracted. It stays, marked, with its history.</summary>
[Announced]
public sealed record AnnotationRetracted(string? Reason, string By, string ByName, DateTimeOffset At);
