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
    long Sequence)
{
    public static Annotation Create(IEvent<NoteAdded> added) => From(added.Data, added.Sequence);

    public static Annotation From(NoteAdded e, long sequence) =>
        new(e.AnnotationId, e.RecordId, e.DatasetId, e.InvestigationId, "note", e.Text, e.Visibility, e.Author, e.AuthorName, e.OutletId, e.At, sequence);

    public bool IsVisibleTo(ConsortiumUser user) => IsVisibleTo(Visibility, Author, OutletId, user);

    public static bool IsVisibleTo(Visibility visibility, string author, string authorOutlet, ConsortiumUser user) => visibility switch
    {
        Visibility.Consortium => true,
        Visibility.Outlet => authorOutlet == user.OutletId,
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
        options.Schema.For<Annotation>().Duplicate(a => a.RecordId);
        options.Events.AddEventType<NoteAdded>();
    }
}
