using Consortium.Client;
using Consortium.Server.Identity;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;

namespace Consortium.Server.Annotations;

/// <summary>
/// Read model of one annotation, projected inline from its event stream so that a write is readable at once.
/// <see cref="Sequence"/> is the global sequence number of the latest event applied.
/// </summary>
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
    bool Retracted = false)
{
    public static Annotation Create(IEvent<NoteAdded> added) => From(added.Data, added.Sequence);

    public static Annotation From(NoteAdded e, long sequence) =>
        new(e.AnnotationId, e.RecordId, e.DatasetId, e.InvestigationId, "note", e.Text, e.Visibility, e.Author, e.AuthorName, e.OutletId, e.At, sequence);

    public bool IsVisibleTo(ConsortiumUser user) => IsVisibleTo(Visibility, Author, OutletId, SharedWithOutletIds, user);

    /// <summary>The one visibility rule in C#; <see cref="AnnotationSql.VisibleTo"/> is the same rule in SQL and must stay in step.</summary>
    public static bool IsVisibleTo(Visibility visibility, string author, string authorOutlet, IReadOnlyList<string>? sharedWith, ConsortiumUser user) => visibility switch
    {
        Visibility.Consortium => true,
        Visibility.Outlet => authorOutlet == user.OutletId,
        Visibility.Partners => authorOutlet == user.OutletId || (sharedWith?.Contains(user.OutletId) ?? false),
        Visibility.Private => author == user.UserId,
        _ => false,
    };

    public AnnotationView ToView() => new(Id, RecordId, Kind, Text, Visibility, Author, AuthorName, OutletId, CreatedAt, Sequence);
}

internal static class AnnotationProjections
{
    public static void RegisterAnnotationProjections(this StoreOptions options)
    {
        options.Projections.Snapshot<Annotation>(SnapshotLifecycle.Inline);
        options.Schema.For<Annotation>().Duplicate(a => a.RecordId).Duplicate(a => a.DatasetId);
        options.Events.AddEventType<NoteAdded>();
    }
}

/// <summary>
/// The visibility rule of <see cref="Annotation.IsVisibleTo(ConsortiumUser)"/> as SQL over Marten's annotation table
/// (<c>mt_doc_annotation</c>, JSON in camelCase), for searches and facet counts that must not count what the caller
/// cannot read. Retracted annotations are excluded as well.
/// </summary>
internal static class AnnotationSql
{
    /// <param name="alias">The alias of the annotation table in the query.</param>
    /// <param name="outletParameter">A text parameter holding the caller's outlet id, such as <c>$3</c>.</param>
    /// <param name="userParameter">A text parameter holding the caller's user id.</param>
    public static string VisibleTo(string alias, string outletParameter, string userParameter) =>
        $"""
        (coalesce(({alias}.data ->> 'retracted')::boolean, false) = false and (
          {alias}.data ->> 'visibility' = 'consortium'
          or ({alias}.data ->> 'visibility' in ('outlet', 'partners') and {alias}.data ->> 'outletId' = {outletParameter})
          or ({alias}.data ->> 'visibility' = 'partners' and coalesce({alias}.data -> 'sharedWithOutletIds', '[]'::jsonb) ? {outletParameter})
          or ({alias}.data ->> 'visibility' = 'private' and {alias}.data ->> 'author' = {userParameter})))
        """;
}
