namespace Consortium.Client;

public sealed partial class ConsortiumClient
{
    /// <summary>The audit chain's newest position and hash, for a coordinator of the investigation to keep outside the server.</summary>
    public Task<AuditAnchor> GetAuditAnchorAsync(Guid investigationId, CancellationToken cancellationToken = default) =>
        GetAsync<AuditAnchor>($"api/investigations/{investigationId}/audit/anchor", cancellationToken);
}
