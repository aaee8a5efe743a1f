using Consortium.Client;
using Consortium.Server.Storage;
using Marten;
using Npgsql;

namespace Consortium.Server.Records;

/// <summary>
/// On several nodes (decision 0029), an import job runs on exactly one node: the one holding a PostgreSQL session
/// advisory lock for the job on a dedicated connection, kept until the job stops moving there. A node that dies loses
/// its session and the lock with it; the other nodes look for active jobs nobody holds every few seconds and the first
/// to take the lock resumes the job from the checkpoint its last committed batch carried (decision 0015). The spool
/// file must be on a folder every node reads (<c>Import:SpoolDirectory</c>). On one node no lock is taken.
/// </summary>
internal sealed class ImportLease : IAsyncDisposable
{
    // "Impt": the first key of the two-key advisory lock; the second is taken from the job's id.
    private const int LockSpace = 0x496d7074;
    private static readonly TimeSpan WatchInterval = TimeSpan.FromSeconds(3);
    private readonly NpgsqlConnection? connection;

    private ImportLease(NpgsqlConnection? connection) => this.connection = connection;

    /// <summary>The job's lease, or null when another node holds it.</summary>
    public static async Task<ImportLease?> TakeAsync(StorageSettings storage, ServerNode node, Guid jobId, CancellationToken cancellationToken)
    {
        if (!node.IsOneOfMany)
        {
            return new ImportLease(null);
        }
        var connection = new NpgsqlConnection(Leadership.ConnectionString(storage, node, "import"));
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("select pg_try_advisory_lock(@space, @job)", connection);
            command.Parameters.AddWithValue("space", LockSpace);
            command.Parameters.AddWithValue("job", BitConverter.ToInt32(jobId.ToByteArray(), 0));
            if (await command.ExecuteScalarAsync(cancellationToken) is true)
            {
                return new ImportLease(connection);
            }
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        await connection.DisposeAsync();
        return null;
    }

    /// <summary>Every few seconds, hands the active jobs this node is not running to <paramref name="enqueue"/> (which takes their lease or not).</summary>
    public static async Task WatchAsync(IDocumentStore store, Func<Guid, bool> runningHere, Action<Guid> enqueue, ILogger logger, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(WatchInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var session = store.QuerySession();
                var active = await session.Query<ImportJob>()
                    .Where(j => j.State == ImportStates.Queued || j.State == ImportStates.Running)
                    .Select(j => j.Id)
                    .ToListAsync(stoppingToken);
                foreach (var jobId in active.Where(id => !runningHere(id)))
                {
                    enqueue(jobId);
                }
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                logger.LogWarning(e, "Looking for import jobs left by another node failed; retrying");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (connection is not null)
        {
            // Closing the session releases the lock.
            await connection.DisposeAsync();
        }
    }
}
