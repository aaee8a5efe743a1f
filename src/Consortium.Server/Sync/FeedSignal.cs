using Consortium.Server.Storage;
using Npgsql;

namespace Consortium.Server.Sync;

/// <summary>
/// Listens on PostgreSQL's <c>consortium_feed</c> channel, which the feed's trigger notifies and PostgreSQL delivers at
/// commit (to every node listening, so a write on one node wakes the waiters on another), and wakes whoever waits.
/// While the listening connection is down, waiters wake at their timeout and read the feed anyway: slower, never lost.
/// </summary>
public sealed class FeedSignal(StorageSettings settings, ServerNode node, ILogger<FeedSignal> logger) : BackgroundService, IFeedSignal
{
    private TaskCompletionSource next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        var signal = Volatile.Read(ref next).Task;
        try
        {
            await signal.WaitAsync(timeout, ct);
        }
        catch (TimeoutException)
        {
            // The caller reads the feed at its timeout whatever happened.
        }
    }

    /// <summary>Wakes every waiter (a notification arrived, or the listener reconnected and may have missed one).</summary>
    private void Wake() => Interlocked.Exchange(ref next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Its own connection, outside the pools: LISTEN holds it for the life of the node.
                var builder = new NpgsqlConnectionStringBuilder(settings.ConnectionString)
                {
                    Pooling = false,
                    Multiplexing = false,
                    KeepAlive = 30,
                    // Named apart from the shared pool it is derived from: one of the node's dedicated connections.
                    ApplicationName = ConnectionBudget.ApplicationName("listen", node),
                };
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, _) => Wake();
                await using (var listen = new NpgsqlCommand($"listen {ChangeFeedSchema.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                Wake();
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                logger.LogWarning(e, "The feed's notification listener lost its connection; retrying in a second");
                Wake();
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        // Shutdown: release every waiter (SSE streams end, long polls answer).
        Wake();
    }
}
