using System.Text.Json.Serialization;

namespace Consortium.Client;

/// <summary>Who may read an annotation.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Visibility>))]
public enum Visibility
{
    /// <summary>Everyone who may see the record.</summary>
    [JsonStringEnumMemberName("consortium")] Consortium,

    /// <summary>The author's own outlet only.</summary>
    [JsonStringEnumMemberName("outlet")] Outlet,

    /// <summary>The author only.</summary>
    [JsonStringEnumMemberName("private")] Private,

    /// <summary>The author's outlet and the partner outlets named on the annotation.</summary>
    [JsonStringEnumMemberName("partners")] Partners,
}

/// <summary>
/// An annotation on a record. <see cref="Sequence"/> is the event store's global sequence number of its latest change;
/// <see cref="Version"/> is the version of its event stream (the HTTP <c>ETag</c>, to send back as <c>If-Match</c>).
/// <see cref="Kind"/> is one of <see cref="AnnotationKinds"/>. Retracted annotations stay, marked <see cref="Retracted"/>.
/// </summary>
public sealed record AnnotationView(
    Guid Id,
    Guid RecordId,
    string Kind,
    string Text,
    Visibility Visibility,
    string Author,
    string AuthorName,
    string OutletId,
    DateTimeOffset CreatedAt,
    long Sequence,
    // Not optional: OpenAPI's schema export cannot write a default(Guid) parameter value.
    Guid InvestigationId,
    Guid DatasetId,
    long Version = 1,
    DateTimeOffset? UpdatedAt = null,
    IReadOnlyList<string>? SharedWithOutletIds = null,
    string? Tag = null,
    IdentificationView? Identification = null,
    VerificationView? Verification = null,
    Guid? ParentId = null,
    IReadOnlyList<string>? Mentions = null,
    string? AssigneeUserId = null,
    bool Resolved = false,
    bool Retracted = false);

/// <summary>The values of <see cref="AnnotationView.Kind"/>.</summary>
public static class AnnotationKinds
{
    /// <summary>Markdown text; render it with raw HTML disabled and no remote images.</summary>
    public const string Note = "note";

    /// <summary>A short label (<see cref="AnnotationView.Tag"/>).</summary>
    public const string Tag = "tag";

    /// <summary>Who is behind the record (<see cref="AnnotationView.Identification"/>).</summary>
    public const string Identification = "identification";

    /// <summary>A forensic verification, moved through <see cref="VerificationStates"/> (<see cref="AnnotationView.Verification"/>).</summary>
    public const string Verification = "verification";

    /// <summary>A comment in the thread of another annotation (<see cref="AnnotationView.ParentId"/>); it has that annotation's visibility.</summary>
    public const string Comment = "comment";

    /// <summary>Every value, in order.</summary>
    public static readonly IReadOnlyList<string> All = [Note, Tag, Identification, Verification, Comment];
}

/// <summary>Who is behind a record. <see cref="Confidence"/> is <c>low</c>, <c>medium</c> or <c>high</c>.</summary>
public sealed record IdentificationView(string Person, string? Role, string IdentifiedByOutletId, string Confidence, IReadOnlyList<string> Sources);

/// <summary>
/// The state of a verification and who moved it there with what. <see cref="NextStates"/>: the states the server's
/// state machine allows from here; <see cref="AllowedNextStates"/>: those the caller may choose (their role, and a peer
/// review is another analyst's), set in every answer to the caller and null in live pushes, which go to many callers
/// at once (read the annotation or the changes feed for it). Offer these; never compute them.
/// </summary>
public sealed record VerificationView(
    string State,
    string? AnalystUserId = null,
    string? Tool = null,
    string? IndicatorSetVersion = null,
    IReadOnlyList<EvidenceView>? Evidence = null,
    IReadOnlyList<string>? NextStates = null,
    IReadOnlyList<string>? AllowedNextStates = null);

/// <summary>
/// A piece of evidence: a file's name, SHA-256, size and a description. <see cref="Stored"/> (set by the server, never by
/// the client) says the investigation holds the file itself, downloadable through the verification that cites it;
/// otherwise the file is kept outside the platform and this is its fingerprint.
/// </summary>
public sealed record EvidenceView(string Name, string Sha256, long Size, string? Description = null, bool Stored = false);

/// <summary>
/// An evidence file held by an investigation (<c>POST /api/investigations/{id}/evidence</c>): cite it in a verification
/// move by its <see cref="Sha256"/> and <see cref="Size"/>, and it becomes downloadable through that verification.
/// </summary>
public sealed record EvidenceFileView(string Sha256, long Size, DateTimeOffset UploadedAt);

/// <summary>The states of a verification, in order; the server says which come next (<see cref="VerificationView.NextStates"/>).</summary>
public static class VerificationStates
{
    /// <summary>The value <c>unverified</c>.</summary>
    public const string Unverified = "unverified";
    /// <summary>The value <c>identified</c>.</summary>
    public const string Identified = "identified";
    /// <summary>The value <c>consent-obtained</c>.</summary>
    public const string ConsentObtained = "consent-obtained";
    /// <summary>The value <c>forensics-submitted</c>.</summary>
    public const string ForensicsSubmitted = "forensics-submitted";
    /// <summary>The value <c>infected</c>.</summary>
    public const string Infected = "infected";
    /// <summary>The value <c>attempted</c>.</summary>
    public const string Attempted = "attempted";
    /// <summary>The value <c>inconclusive</c>.</summary>
    public const string Inconclusive = "inconclusive";
    /// <summary>The value <c>no-evidence</c>.</summary>
    public const string NoEvidence = "no-evidence";
    /// <summary>The value <c>peer-reviewed</c>.</summary>
    public const string PeerReviewed = "peer-reviewed";

    /// <summary>Every value, in order.</summary>
    public static readonly IReadOnlyList<string> All = [Unverified, Identified, ConsentObtained, ForensicsSubmitted, Infected, Attempted, Inconclusive, NoEvidence, PeerReviewed];
}

/// <summary>Request to add a note to a record. <see cref="SharedWithOutletIds"/> names the partner outlets when visibility is <c>partners</c>.</summary>
public sealed record NewNote(string Text, Visibility Visibility = Visibility.Consortium, IReadOnlyList<string>? SharedWithOutletIds = null);

/// <summary>
/// Request to add an annotation of any kind to a record (same route as <see cref="NewNote"/>; <see cref="Kind"/>
/// defaults to note). A comment names its thread's annotation in <see cref="ParentId"/> and takes its visibility.
/// @mentions are read from the text (<c>@userId</c> of a member).
/// </summary>
public sealed record NewAnnotation(
    string Kind = AnnotationKinds.Note,
    string? Text = null,
    Visibility Visibility = Visibility.Consortium,
    IReadOnlyList<string>? SharedWithOutletIds = null,
    string? Tag = null,
    IdentificationView? Identification = null,
    Guid? ParentId = null);

/// <summary>An edit (send with <c>If-Match</c>): the fields given replace the current ones; visibility is fixed at creation.</summary>
public sealed record AnnotationChange(string? Text = null, string? Tag = null, IdentificationView? Identification = null);

/// <summary>Moves a verification to <see cref="State"/>, one of <see cref="VerificationView.AllowedNextStates"/> of the current state.</summary>
public sealed record VerificationChange(string State, string? Tool = null, string? IndicatorSetVersion = null, IReadOnlyList<EvidenceView>? Evidence = null, string? Comment = null);

/// <summary>Assigns an annotation (a thread, a verification) to a member, or unassigns it with null.</summary>
public sealed record AssignmentChange(string? AssigneeUserId);

/// <summary>Resolves (or reopens) a thread.</summary>
public sealed record ResolutionChange(bool Resolved);

/// <summary>Retracts an annotation. It stays in the history, marked retracted, with the reason.</summary>
public sealed record Retraction(string? Reason = null);

/// <summary>One event of an annotation's history, oldest first. <see cref="Change"/> is the event's name (e.g. <c>text-edited</c>).</summary>
public sealed record AnnotationHistoryEntry(long Version, long Sequence, string Change, string By, string ByName, DateTimeOffset At, AnnotationView State);

/// <summary>
/// A page of the changes feed of an investigation: every change to an annotation the caller may read, in commit order.
/// Store <see cref="Cursor"/> and pass it as <c>after</c> next time; an empty page means the caller is current.
/// <see cref="HasMore"/> says another page is ready now.
/// </summary>
public sealed record ChangesPage(IReadOnlyList<ChangeEntry> Items, string Cursor, bool HasMore);

/// <summary>One change: the annotation as it stood after the event with global sequence number <see cref="Sequence"/>.</summary>
public sealed record ChangeEntry(string Cursor, long Sequence, string Change, AnnotationView Annotation);
