using Marten;
using Npgsql;

namespace Consortium.Server.Storage;

/// <summary>
/// Opens the database connections a burst of work needs before the burst comes, and keeps them (decision 0022).
/// </summary>
/// <remarks>
/// Npgsql opens physical connections on demand and closes the ones a pool has not needed for five minutes. On a busy
/// two-core machine opening one took 50–190 ms (a new PostgreSQL backend, SCRAM authentication on both sides, cold
/// catalog caches, statements not yet prepared), and whatever waited for it stalled: in the live benchmark, a
/// delivery stall of 150 ms when a pruned connection was opened again, and of 400 ms when the pools grew from 8 to 25
/// connections at 400 notes a second. So each pool keeps a floor of connections (Npgsql's Minimum Pool Size,
/// which pruning does not go below), and this service opens that many in both of the write path's pools once the
/// server has started: Marten's, and the one the identity store and the token check share.
/// </remarks>
internal sealed class WarmConnections(StorageSettings settings, IDocumentStore store, IHostApplicationLifetime lifetime, ILogger<WarmConnections> logger) : IHostedService
{
    public const string Setting = "Storage:WarmConnections";

    /// <summary>Enough for 400 notes a second on the benchmark machine: at 16 the pool still opened a 17th and 18th there, each in a stalled second.</summary>
    public const int Default = 24;

    /// <summary>Npgsql's Minimum Pool Size, unless the connection string sets one itself.</summary>
    public static void Apply(NpgsqlConnectionStringBuilder builder, int warm)
    {
        if (builder.MinPoolSize == 0)
        {
            builder.MinPoolSize = Math.Clamp(warm, 0, builder.MaxPoolSize);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // After start-up, not during it: the schema is in place by then, and readiness does not wait for this.
        lifetime.ApplicationStarted.Register(() => _ = Task.Run(() => OpenAsync(lifetime.ApplicationStopping)));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task OpenAsync(CancellationToken cancellationToken)
    {
        var floor = new NpgsqlConnectionStringBuilder(settings.ConnectionString).MinPoolSize;
        if (floor == 0)
        {
            return;
        }
        try
        {
            // All at once, so each pool really holds that many: opened one after another, each would reuse the last.
            var connections = new List<NpgsqlConnection>(2 * floor);
            for (var i = 0; i < floor; i++)
            {
                connections.Add(store.Storage.Database.CreateConnection());
                connections.Add(new NpgsqlConnection(settings.ConnectionString));
            }
            await Task.WhenAll(connections.Select(c => c.OpenAsync(cancellationToken)));
            await Task.WhenAll(connections.Select(c => c.DisposeAsync().AsTask()));
            logger.LogInformation("Opened {Count} database connections ahead of use", connections.Count);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException or ObjectDisposedException)
        {
            // Only a head start (and the server may be stopping already): requests open what they need as before.
            logger.LogWarning(e, "Could not open the database connections ahead of use");
        }
    }
}
