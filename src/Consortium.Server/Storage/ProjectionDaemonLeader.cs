using Marten;
using Npgsql;

namespace Consortium.Server.Storage;

/// <summary>
/// On several nodes, Marten's async daemon runs on the one node that leads <c>projection-daemon</c> (decision 0029):
/// Marten's own HotCold election is not relied on (decision 0002), and this way the lead is visible beside the other
/// singletons. The daemon's progress lives in PostgreSQL (<c>mt_event_progression</c>), so the next leader resumes
/// where the last one stopped; a projection batch is applied with its progress in one transaction, so nothing is
/// applied twice or skipped. A single node keeps Marten's Solo daemon and never starts this.
/// </summary>
internal sealed class ProjectionDaemonLeader(IDocumentStore store, StorageSettings settings, ServerNode node, ILogger<ProjectionDaemonLeader> logger) : BackgroundService
{
    public const string Role = "projection-daemon";
    private static readonly TimeSpan Standby = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(Leadership.ConnectionString(settings, node, Role));
                await connection.OpenAsync(stoppingToken);
                while (!await Leadership.TryLeadAsync(connection, Role, stoppingToken))
                {
                    await Task.Delay(Standby, stoppingToken);
                }
                logger.LogInformation("Node {Node} now runs the projection daemon.", node.Id);
                var daemon = await store.BuildProjectionDaemonAsync(logger: logger);
                try
                {
                    await daemon.StartAllAsync();
                    // Lead for as long as the lock's connection lives; a dead one took the lock with it.
                    while (true)
                    {
                        await Task.Delay(Standby, stoppingToken);
                        await using var alive = new NpgsqlCommand("select 1", connection);
                        await alive.ExecuteScalarAsync(stoppingToken);
                    }
                }
                finally
                {
                    await daemon.StopAllAsync();
                    (daemon as IDisposable)?.Dispose();
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "The projection daemon's lead was lost or could not be taken; asking again.");
                try
                {
                    await Task.Delay(Standby, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
