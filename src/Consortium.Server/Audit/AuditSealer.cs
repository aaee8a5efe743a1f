using System.Text.Json;
using System.Threading.Channels;
using Consortium.Client;
using Consortium.Server.Storage;
using Marten;
using Npgsql;

namespace Consortium.Server.Audit;

/// <summary>
/// Links committed audit entries into the hash chain, in the order it finds them: each waiting entry gets a seal with
/// the next position, the hash of the entry before it and its own hash, all waiting entries in one transaction (group
/// commit).
/// One sealer per database writes the chain (see docs/decisions/0010-audit-sealed-chain.md).
/// </summary>
/// <remarks>
/// <para>
/// Which server seals is decided by a session-level advisory lock on a dedicated, unpooled connection: whoever holds
/// it seals, the others wait on standby and take over when that connection ends (PostgreSQL releases the lock with it).
/// Every seal runs in a transaction on that same connection, so a sealer whose connection died cannot commit a seal
/// after another took over; and the unique index on the position refuses a second entry at a taken position anyway.
/// </para>
/// <para>
/// It wakes when this server commits an entry (<see cref="Wake"/>) and otherwise polls, which is how entries written by
/// another server, or while no sealer ran, are found. Sealing never changes an entry: it inserts the seal and removes
/// the entry's pending marker.
/// </para>
/// </remarks>
public sealed class AuditSealer(StorageSettings settings, ServerNode node, IDocumentStore store, IConfiguration configuration, ILogger<AuditSealer> logger) : BackgroundService
{
    // "AuditSlr" in ASCII (Storage's Leadership); advisory locks are per database, so each deployment has its own sealer.
    private const string Role = "audit-sealer";
    private const int BatchSize = 1000;
    // The poll only finds entries this server was not woken for (another node's, or written while no sealer ran):
    // its own entries wake it. Each poll is a transaction of three round trips, so 50 ms (20 a second on an idle
    // server) cost more than it bought; half a second keeps another node's entries unsealed for under a second, far
    // inside what the verifier tolerates (60 s by default).
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);
    // At most one batch per this interval unless batches come out full: under load a batch then carries everything
    // that arrived meanwhile instead of one entry each, so sealing costs a few transactions a second, not one per
    // request (which on a busy 2-core machine took CPU from the requests themselves). When idle, the next entry is
    // sealed as soon as it is committed. 100 ms, not 20: at 200 notes a second a 20 ms batch held 6 entries and
    // cost five round trips, about 0.8 round trip per note; at 100 ms the same round trips serve 20 (issue 20).
    private static readonly TimeSpan GroupInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan StandbyInterval = TimeSpan.FromSeconds(1);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly Channel<bool> wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly SemaphoreSlim turn = new(1, 1);
    private readonly string entryTable = $"{Quote(settings.Schema)}.{AuditChain.EntryTable}";
    private readonly string sealTable = $"{Quote(settings.Schema)}.{AuditChain.SealTable}";
    private readonly string pendingTable = $"{Quote(settings.Schema)}.mt_doc_auditpending";
    private readonly string headTable = $"{Quote(settings.Schema)}.{AuditChain.HeadTable}";
    private bool headMismatchReported;

    // The chain's key (decision 0025), outside the database: whoever can only write the tables cannot recompute hashes.
    private readonly byte[] key = AuditKey.Load(configuration);

    /// <summary>Tells the sealer that an entry was committed, so it seals within milliseconds rather than at its next poll.</summary>
    public void Wake() => wake.Writer.TryWrite(true);

    /// <summary>
    /// Holds the sealer between two batches until the result is disposed: for maintenance that must not interleave
    /// with a seal (the test host's reset deletes every entry). Entries keep being written meanwhile, unsealed.
    /// </summary>
    public async Task<IAsyncDisposable> PauseAsync(CancellationToken cancellationToken = default)
    {
        await turn.WaitAsync(cancellationToken);
        return new Resume(turn);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A server can be told not to seal (Audit:Seal=false) when another process is meant to do it.
        if (!configuration.GetValue("Audit:Seal", true))
        {
            return;
        }
        // Marten creates the entry table at start-up; sealing before that would only fail.
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        // Under the sealer's turn, so a maintenance pause (the test host's reset) never interleaves with creating the triggers.
        await turn.WaitAsync(stoppingToken);
        try
        {
            await AuditGuard.EnsureAsync(settings, logger, stoppingToken);
            await AuditKey.RecordUnkeyedPrefixAsync(configuration, settings, stoppingToken);
        }
        finally
        {
            turn.Release();
        }
        var lockConnection = Leadership.ConnectionString(settings, node, Role);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Unpooled: closing it must end the session, and with it the lock, rather than park both in a pool.
                await using var connection = new NpgsqlConnection(lockConnection);
                await connection.OpenAsync(stoppingToken);
                while (!await TryLockAsync(connection, stoppingToken))
                {
                    await Task.Delay(StandbyInterval, stoppingToken);
                }
                logger.LogInformation("This server now seals the audit chain.");
                await SealUntilStoppedAsync(connection, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Sealing the audit chain failed; retrying with a new connection.");
                try
                {
                    await Task.Delay(StandbyInterval, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private static async Task<bool> TryLockAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        return await Leadership.TryLeadAsync(connection, Role, cancellationToken);
    }

    private async Task SealUntilStoppedAsync(NpgsqlConnection connection, CancellationToken stoppingToken)
    {
        var sinceLastBatch = System.Diagnostics.Stopwatch.StartNew();
        var immediately = true;
        while (true)
        {
            if (!immediately && sinceLastBatch.Elapsed < GroupInterval)
            {
                await Task.Delay(GroupInterval - sinceLastBatch.Elapsed, stoppingToken);
            }
            sinceLastBatch.Restart();
            int sealedCount;
            await turn.WaitAsync(stoppingToken);
            try
            {
                sealedCount = await SealBatchAsync(connection, stoppingToken);
            }
            finally
            {
                turn.Release();
            }
            // A full batch means more are waiting: straight on.
            immediately = sealedCount == BatchSize;
            if (immediately)
            {
                continue;
            }
            // Entries committed while that batch was sealed have woken us already; the poll finds other servers' entries.
            using var poll = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            poll.CancelAfter(PollInterval);
            try
            {
                await wake.Reader.WaitToReadAsync(poll.Token);
                wake.Reader.TryRead(out _);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
            }
        }
    }

    /// <summary>Seals up to <see cref="BatchSize"/> waiting entries in one transaction; returns how many.</summary>
    private async Task<int> SealBatchAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // The chain continues from its newest seal, which must be the one the sealer recorded last. If they differ,
        // seals were removed (or the record was edited): continuing from what is left would re-use the removed
        // positions and hide the removal, so nothing is sealed until someone has looked. The verifier then reports the
        // mismatch, and the entries left waiting.
        var head = (Position: 0L, Hash: AuditChain.GenesisHash);
        await using (var newest = new NpgsqlCommand(
            $"""
            select s.id, s.data ->> 'hash', (h.data ->> 'position')::bigint, h.data ->> 'hash'
            from (select 1) as one
            left join (select id, data from {sealTable} order by id desc limit 1) as s on true
            left join {headTable} as h on h.id = '{AuditChainHead.OnlyId}'
            """, connection, transaction))
        await using (var reader = await newest.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            var newestSeal = (Position: reader.IsDBNull(0) ? 0 : reader.GetInt64(0), Hash: reader.IsDBNull(1) ? AuditChain.GenesisHash : reader.GetString(1));
            var recorded = (Position: reader.IsDBNull(2) ? 0 : reader.GetInt64(2), Hash: reader.IsDBNull(3) ? AuditChain.GenesisHash : reader.GetString(3));
            if (newestSeal != recorded)
            {
                if (!headMismatchReported)
                {
                    logger.LogCritical(
                        "The audit chain's newest seal is {Position} ({Hash}) but the sealer last sealed {RecordedPosition} ({RecordedHash}): seals were removed or altered. Sealing is suspended; run `consortium audit verify`.",
                        newestSeal.Position, newestSeal.Hash, recorded.Position, recorded.Hash);
                    headMismatchReported = true;
                }
                return 0;
            }
            headMismatchReported = false;
            head = newestSeal;
        }

        // Waiting entries in the order of their numbers; an entry committed later than a higher-numbered one is simply
        // found, and sealed, later.
        var waiting = new List<AuditEntryView>();
        await using (var query = new NpgsqlCommand(
            $"select e.data::text from {pendingTable} as p join {entryTable} as e on e.id = p.id order by p.id limit {BatchSize}", connection, transaction))
        await using (var reader = await query.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                waiting.Add(JsonSerializer.Deserialize<AuditEntryView>(reader.GetString(0), Json)!);
            }
        }
        if (waiting.Count == 0)
        {
            return 0;
        }

        var seals = new List<AuditSeal>(waiting.Count);
        foreach (var entry in waiting)
        {
            var position = head.Position + 1;
            var hash = AuditChain.ComputeKeyedHash(entry with { Position = position, PreviousHash = head.Hash, Hash = null }, key);
            seals.Add(new AuditSeal(position, entry.Index, head.Hash, hash));
            head = (position, hash);
        }

        await using (var done = new NpgsqlCommand($"delete from {pendingTable} where id = any(@ids)", connection, transaction))
        {
            done.Parameters.AddWithValue("ids", waiting.Select(e => e.Index).ToArray());
            var deleted = await done.ExecuteNonQueryAsync(cancellationToken);
            if (deleted != waiting.Count)
            {
                // Entries were sealed or removed meanwhile: seal nothing, look again.
                logger.LogWarning("Sealing found {Deleted} of {Waiting} waiting audit entries still waiting; sealing again from the chain's head.", deleted, waiting.Count);
                return 0;
            }
        }
        // Inserts, never upserts: a seal at a taken position, or a second seal of an entry, fails the whole batch.
        await using (var session = store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(transaction, shouldAutoCommit: false)))
        {
            session.Insert<AuditSeal>(seals);
            session.Store(new AuditChainHead(AuditChainHead.OnlyId, head.Position, head.Hash));
            await session.SaveChangesAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return waiting.Count;
    }

    private static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private sealed class Resume(SemaphoreSlim turn) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            turn.Release();
            return ValueTask.CompletedTask;
        }
    }
}
