using Consortium.Client;
using Consortium.Server.Identity;
using Marten;

namespace Consortium.Server.Access;

/// <summary>
/// The one place that decides what a caller may see and do. Every endpoint and hub method asks it. Objects the caller
/// may not see are answered exactly like objects that do not exist (404), so nobody learns that a hidden object exists;
/// an action the caller's role does not allow, on an object they can see, is 403.
/// Visibility: investigation (current membership, outlet taking part) → dataset (compartment) → record (restriction).
/// </summary>
public sealed class AccessPolicy(IQuerySession session, TimeProvider clock, InvestigationCache investigations)
{
    public sealed record Access<T>(Investigation Investigation, InvestigationRole Role, T Item);

    public async Task<Access<Investigation>?> InvestigationAsync(ConsortiumUser user, Guid investigationId, CancellationToken cancellationToken)
    {
        var investigation = await session.LoadAsync<Investigation>(investigationId, cancellationToken);
        return investigation?.RoleOf(user, clock.GetUtcNow()) is { } role ? new(investigation, role, investigation) : null;
    }

    public async Task<Access<Dataset>?> DatasetAsync(ConsortiumUser user, Guid datasetId, CancellationToken cancellationToken)
    {
        var dataset = await session.LoadAsync<Dataset>(datasetId, cancellationToken);
        if (dataset is null || !dataset.IsSharedWith(user.OutletId))
        {
            return null;
        }
        var investigation = await InvestigationAsync(user, dataset.InvestigationId, cancellationToken);
        return investigation is null ? null : new(investigation.Investigation, investigation.Role, dataset);
    }

    public async Task<Access<(Dataset Dataset, LeakedRecord Record)>?> RecordAsync(ConsortiumUser user, Guid recordId, CancellationToken cancellationToken)
    {
        // One round trip for the record, its restriction, its dataset and the version of its investigation: every
        // annotation, record read and hub join asks this, and four dependent loads were four waits on the database.
        // Read fresh on every call: a restriction, compartment or membership changed a moment ago applies to the next call.
        var rows = await session.AdvancedSql.QueryAsync<RecordAccessRow>(recordAccessSql, cancellationToken, recordId);
        if (rows is not [{ } row])
        {
            return null;
        }
        if (row.Restriction is not null && !row.Restriction.OutletIds.Contains(user.OutletId))
        {
            return null;
        }
        if (!row.Dataset.IsSharedWith(user.OutletId))
        {
            return null;
        }
        var investigation = investigations.Find(row.InvestigationId, row.InvestigationVersion) ?? await LoadInvestigationAsync(row.InvestigationId, cancellationToken);
        if (investigation?.RoleOf(user, clock.GetUtcNow()) is not { } role)
        {
            return null;
        }
        return new(investigation, role, (row.Dataset, row.Record));
    }

    /// <summary>
    /// What <see cref="RecordAsync"/> reads in one statement: the documents as Marten stores them, and of the
    /// investigation only its id and version (Marten gives a document a new <c>mt_version</c> with every write).
    /// </summary>
    public sealed record RecordAccessRow(LeakedRecord Record, RecordRestriction? Restriction, Dataset Dataset, Guid InvestigationId, Guid InvestigationVersion);

    /// <summary>An investigation with the version it was read at.</summary>
    public sealed record InvestigationRow(Investigation Investigation, Guid Version);

    /// <summary>Reads an investigation the cache does not hold at its current version (after a change, or the first time), and keeps it.</summary>
    private async Task<Investigation?> LoadInvestigationAsync(Guid investigationId, CancellationToken cancellationToken)
    {
        var rows = await session.AdvancedSql.QueryAsync<InvestigationRow>(investigationSql, cancellationToken, investigationId);
        if (rows is not [{ } row])
        {
            return null;
        }
        investigations.Keep(investigationId, row.Version, row.Investigation);
        return row.Investigation;
    }

    private string Schema => session.DocumentStore.Options.DatabaseSchemaName;

    private string recordAccessSql => field ??= $"""
        select jsonb_build_object('record', r.data, 'restriction', rr.data, 'dataset', d.data, 'investigationId', i.id, 'investigationVersion', i.mt_version) as data
        from {Schema}.mt_doc_leakedrecord r
        join {Schema}.mt_doc_dataset d on d.id = r.dataset_id
        join {Schema}.mt_doc_investigation i on i.id = (d.data ->> 'investigationId')::uuid
        left join {Schema}.mt_doc_recordrestriction rr on rr.id = r.id
        where r.id = ?
        """;

    private string investigationSql => field ??= $"""
        select jsonb_build_object('investigation', i.data, 'version', i.mt_version) as data
        from {Schema}.mt_doc_investigation i
        where i.id = ?
        """;

    /// <summary>Records of a dataset restricted away from the caller's outlet: lists and searches leave them out.</summary>
    public async Task<Guid[]> HiddenRecordIdsAsync(ConsortiumUser user, Guid datasetId, CancellationToken cancellationToken)
    {
        var restrictions = await session.Query<RecordRestriction>().Where(r => r.DatasetId == datasetId).ToListAsync(cancellationToken);
        return restrictions.Where(r => !r.OutletIds.Contains(user.OutletId)).Select(r => r.Id).ToArray();
    }

    /// <summary>Records of several datasets restricted away from the caller's outlet (an investigation-wide search).</summary>
    public async Task<Guid[]> HiddenRecordIdsAsync(ConsortiumUser user, IReadOnlyCollection<Guid> datasetIds, CancellationToken cancellationToken)
    {
        var ids = datasetIds.ToArray();
        var restrictions = await session.Query<RecordRestriction>().Where(r => r.DatasetId.IsOneOf(ids)).ToListAsync(cancellationToken);
        return restrictions.Where(r => !r.OutletIds.Contains(user.OutletId)).Select(r => r.Id).ToArray();
    }

    /// <summary>Datasets of a visible investigation that the caller's outlet is inside the compartment of.</summary>
    public static bool CanSee(ConsortiumUser user, Dataset dataset) => dataset.IsSharedWith(user.OutletId);

    /// <summary>Coordinators see the audit and manage members, compartments and restrictions.</summary>
    public static bool IsCoordinator(ConsortiumUser user, Investigation investigation, DateTimeOffset now) =>
        investigation.RoleOf(user, now) is InvestigationRole.Coordinator;
}
