using System.Text.Json;
using Consortium.Server.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Consortium.Server.LiveUpdates;

/// <summary>
/// The backstop for withdrawals on several nodes (decision 0029): Redis pub/sub delivers at most once, and a withdrawal
/// whose publish was lost would leave the person's connections on the other nodes in their groups. So the node that
/// withdraws also appends the withdrawal to a table of PostgreSQL before answering, and every node applies the rows it
/// has not applied yet: every <c>LiveUpdates:SessionCheckInterval</c>, and before each batch of annotation pushes, so a
/// note committed after a withdrawal is never pushed to a connection the withdrawal should have closed, whatever Redis
/// lost or reordered. A row applied from Redis and again from here closes nothing more the second time (each sequence
/// is applied once per node).
/// </summary>
public sealed class WithdrawalLog : BackgroundService
{
    // "With" in ASCII: nodes starting at once against one database create the table one after the other.
    private const long SchemaLockKey = 0x57697468;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly StorageSettings settings;
    private readonly ServerNode node;
    private readonly LiveAnnouncer announcer;
    private readonly TimeSpan interval;
    private readonly ILogger<WithdrawalLog> logger;
    private readonly SemaphoreSlim catchingUp = new(1, 1);
    private readonly Lock gate = new();
    // Sequences above the cursor this node already applied (its own, or relayed by Redis before the table was read).
    private readonly HashSet<long> applied = [];
    private long cursor;

    public WithdrawalLog(StorageSettings settings, ServerNode node, LiveAnnouncer announcer, IConfiguration configuration, ILogger<WithdrawalLog> logger)
    {
        this.settings = settings;
        this.node = node;
        this.announcer = announcer;
        this.logger = logger;
        interval = configuration.GetValue("LiveUpdates:SessionCheckInterval", TimeSpan.FromSeconds(2));
        announcer.Backstop = this;
    }

    private string Table => $"{settings.Schema}.live_withdrawal";

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await using (var connection = new NpgsqlConnection(settings.ConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            foreach (var statement in new[]
            {
                $"create schema if not exists {settings.Schema}",
                $"select pg_advisory_xact_lock({SchemaLockKey})",
                $"create table if not exists {Table} (seq bigserial primary key, at timestamptz not null default now(), origin text not null, payload jsonb not null)",
                // Rows matter only to connections open when they were written; a day is far beyond any catch-up.
                $"delete from {Table} where at < now() - interval '1 day'",
            })
            {
                await using var command = new NpgsqlCommand(statement, connection, transaction);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            await using (var max = new NpgsqlCommand($"select coalesce(max(seq), 0) from {Table}", connection, transaction))
            {
                // Older rows are about connections that closed before this process started.
                cursor = (long)(await max.ExecuteScalarAsync(cancellationToken))!;
            }
            await transaction.CommitAsync(cancellationToken);
        }
        await base.StartAsync(cancellationToken);
    }

    /// <summary>Appends a withdrawal this node just applied to its own connections; its sequence, or null if PostgreSQL failed.</summary>
    internal long? Record(AccessWithdrawn withdrawn)
    {
        try
        {
            // Synchronous, like Withdraw: the revoking request answers only once the withdrawal cannot be lost.
            using var connection = new NpgsqlConnection(settings.ConnectionString);
            connection.Open();
            using var command = new NpgsqlCommand($"insert into {Table} (origin, payload) values ($1, $2) returning seq", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = node.Incarnation });
            command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = JsonSerializer.Serialize(withdrawn, Json) });
            var seq = (long)command.ExecuteScalar()!;
            lock (gate)
            {
                applied.Add(seq);
            }
            return seq;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // Then Redis is the only carrier; the other nodes' sweepers still catch revoked credentials.
            logger.LogError(e, "Could not record a withdrawal for the other nodes in PostgreSQL");
            return null;
        }
    }

    /// <summary>True the first time this node sees <paramref name="seq"/> (from Redis): apply it; false: already applied.</summary>
    internal bool TryClaim(long seq)
    {
        lock (gate)
        {
            return seq > cursor && applied.Add(seq);
        }
    }

    /// <summary>Applies every recorded withdrawal this node has not applied yet; throws when PostgreSQL cannot be read.</summary>
    internal async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        await catchingUp.WaitAsync(cancellationToken);
        try
        {
            await using var connection = new NpgsqlConnection(settings.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand($"select seq, payload::text from {Table} where seq > $1 order by seq", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = Volatile.Read(ref cursor) });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var seq = reader.GetInt64(0);
                bool apply;
                lock (gate)
                {
                    apply = !applied.Remove(seq);
                    cursor = seq;
                    applied.RemoveWhere(s => s <= seq);
                }
                if (apply && JsonSerializer.Deserialize<AccessWithdrawn>(reader.GetString(1), Json) is { } withdrawn)
                {
                    logger.LogInformation("Applied withdrawal {Sequence} from PostgreSQL (its Redis message had not arrived)", seq);
                    announcer.WithdrawLocally(withdrawn);
                }
            }
        }
        finally
        {
            catchingUp.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await CatchUpAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The session sweeper closes every connection when PostgreSQL stays away (fail closed).
                logger.LogWarning(e, "Could not read the withdrawals of the other nodes; retrying");
            }
        }
    }
}
