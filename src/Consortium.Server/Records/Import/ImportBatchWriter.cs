using Consortium.Server.Access;
using System.Globalization;
using Consortium.Server.Storage;
using JasperFx;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace Consortium.Server.Records;

/// <summary>
/// Writes prepared batches on several connections at once, because PostgreSQL's work per row (index maintenance, the
/// full-text vector) is the limit and one backend uses one core. Batches still commit strictly in file order: batch
/// n+1 copies its rows while batch n is being written, but commits (with its checkpoint) only after n committed, and
/// rolls back if n failed. So the database holds whole batches and a checkpoint that matches them, whatever stops the
/// import (docs/decisions/0015-import-jobs-batch-checkpoints.md).
/// </summary>
internal sealed class ImportBatchWriter(IDocumentStore store, StorageSettings storage, Guid datasetId, IImportCheckpoint checkpoint) : IAsyncDisposable
{
    private readonly string table = new RecordSearchSql(storage.Schema).Table;
    private readonly List<NpgsqlConnection> connections = [];
    private readonly Queue<InFlight> inFlight = new();
    private HashFilter? written;
    private long lastRow;
    private Task previous = Task.CompletedTask;
    private int next;

    /// <summary>A batch being written: it completes with the progress it committed.</summary>
    private sealed record InFlight(Task<ImportProgress> Done, HashSet<string> Hashes, bool Last);

    /// <summary>Every connection is writing a batch: the oldest must commit before another starts.</summary>
    public bool Full => inFlight.Count == connections.Count;

    public bool Writing => inFlight.Count > 0;

    /// <summary>Opens the connections and finds where the dataset's row numbers continue.</summary>
    public async Task OpenAsync(int writers, CancellationToken abort)
    {
        for (var i = 0; i < Math.Max(1, writers); i++)
        {
            var connection = new NpgsqlConnection(storage.ConnectionString);
            connections.Add(connection);
            await connection.OpenAsync(abort);
        }
        await using (var max = new NpgsqlCommand($"select coalesce(max(row_number), 0) from {table} where dataset_id = $1", connections[0]))
        {
            // One import per dataset at a time (a unique index on the active job), so nothing else numbers rows meanwhile.
            max.Parameters.Add(new NpgsqlParameter { Value = datasetId, NpgsqlDbType = NpgsqlDbType.Uuid });
            lastRow = (long)(await max.ExecuteScalarAsync(abort))!;
        }
        // Into an empty dataset, every stored row comes from this run: a filter of the hashes written so far says
        // which rows cannot be stored already, and only the others (almost none) are looked up in the database.
        written = lastRow == 0 ? new HashFilter() : null;
    }

    /// <summary>Starts writing <paramref name="batch"/> on the next connection; the progress it will commit.</summary>
    public async Task<ImportProgress> StartAsync(ImportBatch batch, ImportProgress progress, CancellationToken abort)
    {
        var connection = connections[next];
        next = (next + 1) % connections.Count;
        var transaction = await connection.BeginTransactionAsync(abort);
        InFlight writing;
        ImportProgress after;
        try
        {
            // Rows whose content the dataset already holds (committed batches, earlier imports), that a batch
            // still in flight carries, or that repeat within this batch, are skipped. The unique index on
            // (dataset, hash) would refuse the batch if that ever failed.
            var candidates = batch.Rows.Select(r => r.Hash).Where(h => written?.MayContain(h) ?? true).Distinct().ToArray();
            var seen = await StoredHashesAsync(connection, transaction, candidates, abort);
            foreach (var earlier in inFlight)
            {
                seen.UnionWith(earlier.Hashes);
            }
            var fresh = new List<PreparedRow>(batch.Rows.Count);
            var hashes = new HashSet<string>(StringComparer.Ordinal);
            foreach (var row in batch.Rows)
            {
                if (seen.Add(row.Hash))
                {
                    fresh.Add(row);
                    hashes.Add(row.Hash);
                    written?.Add(row.Hash);
                }
            }
            var firstRow = lastRow + 1;
            lastRow += fresh.Count;
            after = progress.After(batch, fresh.Count);
            var before = previous;
            var done = Task.Run(() => WriteAsync(connection, transaction, fresh, firstRow, batch.Last, after, before, abort), CancellationToken.None);
            writing = new InFlight(done, hashes, batch.Last);
        }
        catch
        {
            await transaction.DisposeAsync();
            throw;
        }
        previous = writing.Done;
        inFlight.Enqueue(writing);
        return after;
    }

    /// <summary>Waits for the oldest batch in flight to commit; the run's result when that batch ended the file.</summary>
    public async Task<(ImportEnding, ImportProgress)?> FinishOldestAsync()
    {
        var oldest = inFlight.Peek();
        var committed = await oldest.Done;
        inFlight.Dequeue();
        return oldest.Last ? (ImportEnding.Completed, committed) : null;
    }

    /// <summary>
    /// Batches still in flight here are abandoned (an error or a stop before them): each waits for the one before it,
    /// which failed or is being abandoned too, and rolls back.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var abandoned in inFlight)
        {
            try
            {
                await abandoned.Done;
            }
            catch (Exception)
            {
                // Its error is the consequence of the one already being thrown.
            }
        }
        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }
    }

    private async Task<HashSet<string>> StoredHashesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string[] candidates, CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        if (candidates.Length == 0)
        {
            return seen;
        }
        await using var stored = new NpgsqlCommand($"select content_hash from {table} where dataset_id = $1 and content_hash = any($2)", connection, transaction);
        stored.Parameters.Add(new NpgsqlParameter { Value = datasetId, NpgsqlDbType = NpgsqlDbType.Uuid });
        stored.Parameters.Add(new NpgsqlParameter { Value = candidates, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Varchar });
        await using var hashes = await stored.ExecuteReaderAsync(cancellationToken);
        while (await hashes.ReadAsync(cancellationToken))
        {
            seen.Add(hashes.GetString(0));
        }
        return seen;
    }

    /// <summary>
    /// Copies a batch's fresh rows within its transaction, then waits for the batch before it to commit, then writes
    /// the dataset's count and the owner's checkpoint and commits. A failure of the batch before it rolls this one back.
    /// </summary>
    private async Task<ImportProgress> WriteAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, List<PreparedRow> fresh, long firstRow, bool last,
        ImportProgress after, Task before, CancellationToken cancellationToken)
    {
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                if (fresh.Count > 0)
                {
                    await CopyRowsAsync(connection, fresh, firstRow, cancellationToken);
                }
                // In file order: the batch before this one committed (its failure is rethrown here, and this one rolls back).
                await before;
                try
                {
                    await using (var session = store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(transaction, shouldAutoCommit: false)))
                    {
                        if (fresh.Count > 0)
                        {
                            var dataset = await session.LoadAsync<Dataset>(datasetId, cancellationToken)
                                ?? throw new InvalidOperationException("The dataset was deleted during its import.");
                            session.Store(dataset with { RecordCount = dataset.RecordCount + fresh.Count });
                        }
                        await checkpoint.WithinBatchAsync(session, transaction, after, last);
                        await session.SaveChangesAsync(cancellationToken);
                    }
                    await transaction.CommitAsync(cancellationToken);
                    break;
                }
                catch (ConcurrencyException) when (attempt < 3)
                {
                    // Someone changed the dataset (its compartment, say) while this batch was written: the batch
                    // rolls back whole and is written again over the new version.
                    if (transaction.Connection is not null)
                    {
                        await transaction.RollbackAsync(cancellationToken);
                    }
                    await transaction.DisposeAsync();
                    transaction = await connection.BeginTransactionAsync(cancellationToken);
                }
            }
        }
        finally
        {
            await transaction.DisposeAsync();
        }
        // Still in order: the next batch commits only after this, so a push never shows an uncommitted batch.
        await checkpoint.AfterBatchAsync(after);
        return after;
    }

    private async Task CopyRowsAsync(NpgsqlConnection connection, List<PreparedRow> fresh, long firstRow, CancellationToken cancellationToken)
    {
        await using var copy = await connection.BeginBinaryImportAsync(
            $"copy {table} (id, data, mt_dotnet_type, dataset_id, row_number, phone_digits, content_hash, date, country) from stdin (format binary)", cancellationToken);
        var type = typeof(LeakedRecord).FullName!;
        var datasetText = datasetId.ToString();
        var rowNumber = firstRow;
        foreach (var row in fresh)
        {
            var id = Guid.CreateVersion7();
            await copy.StartRowAsync(cancellationToken);
            await copy.WriteAsync(id, NpgsqlDbType.Uuid, cancellationToken);
            // The document as Marten writes it (camel case); its tail was serialised while the batch was prepared.
            await copy.WriteAsync(string.Concat("{\"id\":\"", id.ToString(), "\",\"datasetId\":\"", datasetText, "\",\"rowNumber\":", rowNumber.ToString(CultureInfo.InvariantCulture), row.JsonTail), NpgsqlDbType.Jsonb, cancellationToken);
            await copy.WriteAsync(type, NpgsqlDbType.Varchar, cancellationToken);
            await copy.WriteAsync(datasetId, NpgsqlDbType.Uuid, cancellationToken);
            await copy.WriteAsync(rowNumber, NpgsqlDbType.Bigint, cancellationToken);
            await WriteNullableAsync(copy, row.Normalised.Phone?.Digits, cancellationToken);
            await copy.WriteAsync(row.Hash, NpgsqlDbType.Varchar, cancellationToken);
            await WriteNullableAsync(copy, row.Normalised.Date, cancellationToken);
            await WriteNullableAsync(copy, row.Normalised.Country, cancellationToken);
            rowNumber++;
        }
        await copy.CompleteAsync(cancellationToken);
    }

    private static Task WriteNullableAsync(NpgsqlBinaryImporter copy, string? value, CancellationToken cancellationToken) =>
        value is null ? copy.WriteNullAsync(cancellationToken) : copy.WriteAsync(value, NpgsqlDbType.Varchar, cancellationToken);
}
