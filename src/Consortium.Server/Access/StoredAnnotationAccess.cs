using Consortium.Client;
using Marten;

namespace Consortium.Server.Access;

/// <summary>
/// What the access rule needs of an annotation (where it sits, its kind, who may read it), read from the stored
/// annotation documents: for shared rooms such as Audit, which may not reference the Annotations area's type.
/// </summary>
public sealed record StoredAnnotationAccess(
    Guid Id,
    Guid RecordId,
    Guid DatasetId,
    Guid InvestigationId,
    string Kind,
    Visibility Visibility,
    string OutletId,
    string Author,
    IReadOnlyList<string>? SharedWithOutletIds)
{
    public AnnotationVisibility ToVisibility() => new(Visibility, OutletId, Author, SharedWithOutletIds);

    /// <summary>The annotations with these ids that exist; Marten's serializer reads only the fields named here.</summary>
    public static async Task<Dictionary<Guid, StoredAnnotationAccess>> LoadAsync(IQuerySession session, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return [];
        }
        // The document table of Annotations.Annotation (Marten's name for it; AnnotationSql and the changes feed use it too).
        var sql = $"select a.data from {session.DocumentStore.Options.DatabaseSchemaName}.mt_doc_annotation as a where a.id = any(?)";
        var rows = await session.AdvancedSql.QueryAsync<StoredAnnotationAccess>(sql, cancellationToken, ids.ToArray());
        return rows.ToDictionary(a => a.Id);
    }
}
