using Consortium.Server.Identity;
using Consortium.Server.Records;
using Marten;

namespace Consortium.Server.Investigations;

/// <summary>
/// The one place that decides what a caller may see. Every endpoint and hub method asks it, and treats
/// "not visible" exactly like "does not exist" (404), so a caller never learns that a hidden object exists.
/// </summary>
public sealed class AccessPolicy(IQuerySession session)
{
    public async Task<Investigation?> VisibleInvestigationAsync(ConsortiumUser user, Guid investigationId, CancellationToken cancellationToken)
    {
        var investigation = await session.LoadAsync<Investigation>(investigationId, cancellationToken);
        return investigation is not null && investigation.HasMember(user.OutletId) ? investigation : null;
    }

    public async Task<(Investigation Investigation, Dataset Dataset)?> VisibleDatasetAsync(ConsortiumUser user, Guid datasetId, CancellationToken cancellationToken)
    {
        var dataset = await session.LoadAsync<Dataset>(datasetId, cancellationToken);
        if (dataset is null || !dataset.IsSharedWith(user.OutletId))
        {
            return null;
        }
        var investigation = await VisibleInvestigationAsync(user, dataset.InvestigationId, cancellationToken);
        return investigation is null ? null : (investigation, dataset);
    }

    public async Task<(Dataset Dataset, LeakedRecord Record)?> VisibleRecordAsync(ConsortiumUser user, Guid recordId, CancellationToken cancellationToken)
    {
        var record = await session.LoadAsync<LeakedRecord>(recordId, cancellationToken);
        if (record is null)
        {
            return null;
        }
        var visible = await VisibleDatasetAsync(user, record.DatasetId, cancellationToken);
        return visible is null ? null : (visible.Value.Dataset, record);
    }

    /// <summary>
    /// Whether the caller coordinates the investigation (reads its audit log, later manages members and grants).
    /// For now every person of the coordinating outlet does; per-person roles replace this one rule.
    /// </summary>
    public static bool IsCoordinator(ConsortiumUser user, Investigation investigation) =>
        investigation.CoordinatorOutletId == user.OutletId;

    /// <summary>Datasets of a visible investigation that the caller's outlet is inside the compartment of.</summary>
    public static bool CanSee(ConsortiumUser user, Dataset dataset) => dataset.IsSharedWith(user.OutletId);
}
