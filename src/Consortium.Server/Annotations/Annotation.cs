using Consortium.Server.Access;
using Consortium.Client;
using Consortium.Server.Hosting;
using Consortium.Server.Identity;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;

namespace Consortium.Server.Annotations;

/// <summary>
/// Read model of one annotation, projected inline from its event stream so that a write is readable at once.
/// <see cref="Sequence"/> is the global sequence number of the latest event applied, <see cref="Version"/> the stream
/// version (the HTTP ETag). <see cref="SharedWithOutletIds"/>, <see cref="Tag"/>, <see cref="VerificationState"/> and
/// <see cref="Retracted"/> are read by SQL (facets, <see cref="AnnotationSql"/>, the changes feed): keep their names.
/// </summary>
[Announced]
public sealed record Annotation(
    Guid Id,
    Guid RecordId,
    Guid DatasetId,
    Guid InvestigationId,
    string Kind,
    string Text,
    Visibility Visibility,
    string Author,
    string AuthorName,
    string OutletId,
    DateTimeOffset CreatedAt,
    long Sequence,
    IReadOnlyList<string>? SharedWithOutletIds = null,
    string? Tag = null,
    string? VerificationState = null,
    bool Retracted = false,
    long Version = 1,
    DateTimeOffset? UpdatedAt = null,
    StoredIdentification? Identification = null,
    StoredVerification? Verification = null,
    Guid? ParentId = null,
    IReadOnlyList<string>? Mentions = null,
    string? AssigneeUserId = null,
    bool Resolved = false,
    string? RetractedReason = null)
{
    public static Annotation Create(IEvent<NoteAdded> added) => From(added.Data, added.Sequence);

    public static Annotation Create(IEvent<AnnotationCreated> created) => From(created.Data, created.Sequence);

    public static Annotation From(NoteAdded e, long sequence) =>
        new(e.AnnotationId, e.RecordId, e.DatasetId, e.InvestigationId, AnnotationKinds.Note, e.Text, e.Visibility, e.Author, e.AuthorName, e.OutletId, e.At, sequence,
            SharedWithOutletIds: e.SharedWithOutletIds, Mentions: e.Mentions);

    public static Annotation From(AnnotationCreated e, long sequence) =>
        new(e.AnnotationId, e.RecordId, e.DatasetId, e.InvestigationId, e.Kind, e.Text, e.Visibility, e.Author, e.AuthorName, e.OutletId, e.At, sequence,
            SharedWithOutletIds: e.SharedWithOutletIds, Tag: e.Tag, VerificationState: e.Verification?.State, Identification: e.Identification,
            Verification: e.Verification, ParentId: e.ParentId, Mentions: e.Mentions);

    // Marten finds these by convention; each is the pure step below plus the event's numbers.
    public Annotation Apply(IEvent<AnnotationEdited> e) => ApplyAny(e);

    public Annotation Apply(IEvent<VerificationMoved> e) => ApplyAny(e);

    public Annotation Apply(IEvent<AnnotationAssigned> e) => ApplyAny(e);

    public Annotation Apply(IEvent<AnnotationResolved> e) => ApplyAny(e);

    public Annotation Apply(IEvent<AnnotationRetracted> e) => ApplyAny(e);

    /// <summary>Applies any later event of the stream with its numbers (the history replays through this too).</summary>
    public Annotation ApplyAny(IEvent e) => Then(e.Data) with { Sequence = e.Sequence, Version = e.Version };

    /// <summary>The state after a later event, numbers aside: pure, so a decision can look ahead before appending.</summary>
    public Annotation Then(object change) => change switch
    {
        AnnotationEdited e => this with
        {
            Text = e.Text ?? Text,
            Tag = e.Tag ?? Tag,
            Identification = e.Identification ?? Identification,
            Mentions = e.Mentions ?? Mentions,
            UpdatedAt = e.At,
        },
        VerificationMoved e => this with { Verification = e.Verification, VerificationState = e.Verification.State, UpdatedAt = e.At },
        AnnotationAssigned e => this with { AssigneeUserId = e.AssigneeUserId, UpdatedAt = e.At },
        AnnotationResolved e => this with { Resolved = e.Resolved, UpdatedAt = e.At },
        AnnotationRetracted e => this with { Retracted = true, RetractedReason = e.Reason, UpdatedAt = e.At },
        _ => this,
    };

    /// <summary>Who may read it: the rule lives in the Access room (<see cref="AnnotationVisibility"/>). A method, not a property, so it is not stored.</summary>
    public AnnotationVisibility ToVisibility() => new(Visibility, OutletId, Author, SharedWithOutletIds);

    public bool IsVisibleTo(ConsortiumUser user) => ToVisibility().Admits(user);

    /// <summary>The outlets whose members may read it (given they see the record); null for consortium-wide, empty for private.</summary>
    public IReadOnlyList<string>? EntitledOutlets() => ToVisibility().EntitledOutlets();

    /// <summary>The wire view; for a known <paramref name="reader"/>, a verification lists the next states they may choose.</summary>
    public AnnotationView ToView(AnnotationReader? reader = null) => new(Id, RecordId, Kind, Text, Visibility, Author, AuthorName, OutletId, CreatedAt, Sequence, InvestigationId, DatasetId,
        Version, UpdatedAt, SharedWithOutletIds, Tag, Identification?.ToView(),
        Verification?.ToView(reader is null ? null : VerificationRules.AllowedNext(Verification, Retracted, reader)),
        ParentId, Mentions, AssigneeUserId, Resolved, Retracted);
}

internal static class AnnotationProjections
{
    public static void RegisterAnnotationProjections(this StoreOptions options)
    {
        options.Projections.Snapshot<Annotation>(SnapshotLifecycle.Inline);
        options.Schema.For<Annotation>().Duplicate(a => a.RecordId).Duplicate(a => a.DatasetId);
        // Explicit names with one prefix: the changes feed's trigger picks annotation events by it (AnnotationFeedSchema).
        options.Events.MapEventType<NoteAdded>("annotation_note_added");
        options.Events.MapEventType<AnnotationCreated>("annotation_created");
        options.Events.MapEventType<AnnotationEdited>("annotation_edited");
        options.Events.MapEventType<VerificationMoved>("annotation_verification_moved");
        options.Events.MapEventType<AnnotationAssigned>("annotation_assigned");
        options.Events.MapEventType<AnnotationResolved>("annotation_resolved");
        options.Events.MapEventType<AnnotationRetracted>("annotation_retracted");
    }
}

/// <summary>
/// The visibility rule of <see cref="AnnotationVisibility.Admits"/> (the Access room's) as SQL over Marten's annotation table
/// (<c>mt_doc_annotation</c>, JSON in camelCase), for searches and facet counts that must not count what the caller
/// cannot read. Retracted annotations are excluded as well.
/// </summary>
[Announced]
internal static class AnnotationSql
{
    /// <param name="alias">The alias of the annotation table in the query.</param>
    /// <param name="outletParameter">A text parameter holding the caller's outlet id, such as <c>$3</c>.</param>
    /// <param name="userParameter">A text parameter holding the caller's user id.</param>
    public static string VisibleTo(string alias, string outletParameter, string userParameter) =>
        $"""
        (coalesce(({alias}.data ->> 'retracted')::boolean, false) = false and {ReadableBy(alias, outletParameter, userParameter)})
        """;

    /// <summary>The visibility rule alone, retracted annotations included: the changes feed must carry retractions.</summary>
    public static string ReadableBy(string alias, string outletParameter, string userParameter) =>
        $"""
        ({alias}.data ->> 'visibility' = 'consortium'
          or ({alias}.data ->> 'visibility' in ('outlet', 'partners') and {alias}.data ->> 'outletId' = {outletParameter})
          or ({alias}.data ->> 'visibility' = 'partners' and coalesce({alias}.data -> 'sharedWithOutletIds', '[]'::jsonb) ? {outletParameter})
          or ({alias}.data ->> 'visibility' = 'private' and {alias}.data ->> 'author' = {userParameter}))
        """;
}
