using Consortium.Client;

namespace Consortium.Server.Annotations;

/// <summary>A reporter added a note to a record. Carries where the record sits, so pushes and feeds need no lookup.</summary>
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
    DateTimeOffset At);
