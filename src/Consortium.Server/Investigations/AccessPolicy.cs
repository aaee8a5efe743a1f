using Consortium.Client;
using Consortium.Server.Identity;
using Consortium.Server.Records;
using Marten;

namespace Consortium.Server.Investigations;

/// <summary>
/// The one place that decides what a caller may see and do. Every endpoint and hub method asks it. Objects the caller
/// may not see are answered exactly like objects that do not exist (404), so nobody learns that a hidden object exists;
/// an action the caller's role does not allow, on an object they can see, is 403.
/// Visibility: investigation (current membership, outlet taking part) → dataset (compartment) → record (restriction).
/// </summary>
public sealed class AccessPolicy(IQuerySession session, TimeProvider clock)
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
        var record = await session.LoadAsync<LeakedRecord>(recordId, cancellationToken);
        if (record is null)
        {
            return null;
        }
        var restriction = await session.LoadAsync<RecordRestriction>(recordId, cancellationToken);
        if (restriction is not null && !restriction.OutletIds.Contains(user.OutletId))
        {
            return null;
        }
        var dataset = await DatasetAsync(user, record.DatasetId, cancellationToken);
        return dataset is null ? null : new(dataset.Investigation, dataset.Role, (dataset.Item, record));
    }

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
