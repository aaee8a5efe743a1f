using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Consortium.Client;
using Consortium.Server.Access;
using Consortium.Server.Storage;
using JasperFx;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace Consortium.Server.Records;

/// <summary>
/// Writes the rows of a file (CSV, JSON Lines or XLSX, see <see cref="RowSource"/>) into a dataset, batch by batch.
/// Every valid row is stored, every invalid one reported with its row number, column and reason; a row whose content is
/// already in the dataset (same content hash) is skipped and counted, so importing the same file twice stores it once.
/// </summary>
/// <remarks>
/// Each batch is one PostgreSQL transaction: its rows go in by binary COPY straight into the records table, and the
/// caller's <c>withinBatch</c> (the job's checkpoint and counts, the dataset's count) is written in the same
/// transaction, so a stop at any moment leaves whole batches and a checkpoint that matches them
/// (docs/decisions/0015-import-jobs-batch-checkpoints.md). Reading and normalising run on one core while the previous
/// batch is written on the other.
/// </remarks>
public static class ImportRecords
{
    public const long MaxRequestBytes = 256L * 1024 * 1024;
    public const int MaxRecordChars = 1024 * 1024;
    public const int DefaultBatchSize = 5000;
    /// <summary>Connections writing batches at once (each one PostgreSQL backend, so one core).</summary>
    public const int DefaultWriters = 2;
    public const int MaxReportedErrors = 1000;

    /// <summary>Where an import starts (a fresh one at zero) and what it has done so far.</summary>
    public sealed record Progress(long RowsRead, long BytesRead, int Imported, int Duplicates, int Rejected, IReadOnlyList<ImportError> Errors)
    {
        public static readonly Progress Start = new(0, 0, 0, 0, 0, []);
    }

    /// <summary>How the run ended: the file was read to its end, or it stopped after a whole batch on request.</summary>
    public enum Ending { Completed, Stopped }

    /// <summary>
    /// Writes the rows of <paramref name="source"/> (its header already accepted) after <paramref name="from"/>'s
    /// checkpoint. <paramref name="withinBatch"/> runs inside each batch's transaction before it commits (last: true
    /// for the batch that ends the file); <paramref name="afterBatch"/> after the commit. <paramref name="stopAfterBatch"/>
    /// ends the run after the batch being written; <paramref name="abort"/> abandons the batch being written (rolled back).
    /// </summary>
    public static async Task<(Ending Ending, Progress Progress)> RunAsync(
        IDocumentStore store, StorageSettings storage, Dataset dataset, RowSource source, Func<long> bytesRead, Progress from, int batchSize,
        Func<IDocumentSession, NpgsqlTransaction, Progress, bool, Task> withinBatch, Func<Progress, Task> afterBatch,
        CancellationToken stopAfterBatch, CancellationToken abort, int writers = DefaultWriters)
    {
        var header = source.Header!;
        var normaliser = new DatasetSchema.Normaliser(header, dataset.Schema);
        var table = new RecordSearchSql(storage.Schema).Table;
        var reported = from.Errors.Count;

        using var readerStop = CancellationTokenSource.CreateLinkedTokenSource(abort);
        // Three stages, so that both cores work: reading, then normalising, hashing and serialising (split over two
        // threads), then writing, which mostly waits for PostgreSQL.
        var read = Channel.CreateBounded<Batch>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        var batches = Channel.CreateBounded<Batch>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        var reader = Task.Run(async () =>
        {
            try
            {
                var batch = new Batch(batchSize);
                while (await source.ReadAsync(readerStop.Token) is { } row)
                {
                    if (row.Row <= from.RowsRead)
                    {
                        // Committed before a cancel or a restart: the file is read again up to the checkpoint, not stored again.
                        continue;
                    }
                    batch.LastRow = row.Row;
                    if (row.Error is { } error)
                    {
                        batch.ReadErrors.Add(error);
                        if (row.Stop)
                        {
                            break;
                        }
                        continue;
                    }
                    batch.Raw.Add((row.Row, row.Values!));
                    if (batch.Raw.Count >= batchSize)
                    {
                        batch.BytesRead = bytesRead();
                        await read.Writer.WriteAsync(batch, readerStop.Token);
                        batch = new Batch(batchSize);
                    }
                }
                batch.BytesRead = bytesRead();
                batch.Last = true;
                await read.Writer.WriteAsync(batch, readerStop.Token);
                read.Writer.Complete();
            }
            catch (Exception e)
            {
                read.Writer.Complete(e);
            }
        }, CancellationToken.None);
        var preparer = Task.Run(async () =>
        {
            try
            {
                await foreach (var batch in read.Reader.ReadAllAsync(readerStop.Token))
                {
                    Prepare(batch, header, normaliser, ref reported);
                    await batches.Writer.WriteAsync(batch, readerStop.Token);
                }
                batches.Writer.Complete();
            }
            catch (Exception e)
            {
                batches.Writer.Complete(e);
            }
        }, CancellationToken.None);

        var progress = from;
        // Writing runs on `writers` connections at once, because PostgreSQL's work per row (index maintenance, the
        // full-text vector) is the limit and one backend uses one core. Batches still commit strictly in file order:
        // batch n+1 copies its rows while batch n is being written, but commits (with its checkpoint) only after n
        // committed, and rolls back if n failed. So the database still holds whole batches and a checkpoint that
        // matches them, whatever stops the import.
        var connections = new List<NpgsqlConnection>();
        var inFlight = new Queue<InFlight>();
        try
        {
            for (var i = 0; i < Math.Max(1, writers); i++)
            {
                var connection = new NpgsqlConnection(storage.ConnectionString);
                connections.Add(connection);
                await connection.OpenAsync(abort);
            }
            long lastRow;
            await using (var max = new NpgsqlCommand($"select coalesce(max(row_number), 0) from {table} where dataset_id = $1", connections[0]))
            {
                // One import per dataset at a time (a unique index on the active job), so nothing else numbers rows meanwhile.
                max.Parameters.Add(new NpgsqlParameter { Value = dataset.Id, NpgsqlDbType = NpgsqlDbType.Uuid });
                lastRow = (long)(await max.ExecuteScalarAsync(abort))!;
            }
            // Into an empty dataset, every stored row comes from this run: a filter of the hashes written so far says
            // which rows cannot be stored already, and only the others (almost none) are looked up in the database.
            var written = lastRow == 0 ? new HashFilter() : null;
            var previous = Task.CompletedTask;
            var next = 0;
            var stopping = false;
            await foreach (var batch in batches.Reader.ReadAllAsync(abort))
            {
                if (inFlight.Count == connections.Count && await FinishOldestAsync() is { } ended)
                {
                    return ended;
                }
                if (stopAfterBatch.IsCancellationRequested)
                {
                    // Stop after the batches being written; this one is read again on resume.
                    stopping = true;
                    break;
                }
                var connection = connections[next];
                next = (next + 1) % connections.Count;
                var transaction = await connection.BeginTransactionAsync(abort);
                InFlight writing;
                try
                {
                    // Rows whose content the dataset already holds (committed batches, earlier imports), that a batch
                    // still in flight carries, or that repeat within this batch, are skipped. The unique index on
                    // (dataset, hash) would refuse the batch if that ever failed.
                    var candidates = batch.Rows.Select(r => r.Hash).Where(h => written?.MayContain(h) ?? true).Distinct().ToArray();
                    var seen = await StoredHashesAsync(connection, transaction, table, dataset.Id, candidates, abort);
                    foreach (var earlier in inFlight)
                    {
                        seen.UnionWith(earlier.Hashes);
                    }
                    var fresh = new List<Prepared>(batch.Rows.Count);
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
                    var errors = progress.Errors.Count >= MaxReportedErrors || batch.Errors.Count == 0
                        ? progress.Errors
                        : progress.Errors.Concat(batch.Errors).Take(MaxReportedErrors).ToArray();
                    var after = new Progress(batch.LastRow > progress.RowsRead ? batch.LastRow : progress.RowsRead, batch.BytesRead,
                        progress.Imported + fresh.Count, progress.Duplicates + batch.Rows.Count - fresh.Count, progress.Rejected + batch.Rejected, errors);
                    progress = after;
                    var before = previous;
                    var done = Task.Run(() => WriteBatchAsync(store, connection, transaction, table, dataset.Id, fresh, firstRow, batch, after, before, withinBatch, afterBatch, abort), CancellationToken.None);
                    writing = new InFlight(done, hashes, batch.Last);
                }
                catch
                {
                    await transaction.DisposeAsync();
                    throw;
                }
                previous = writing.Done;
                inFlight.Enqueue(writing);
                if (batch.Last)
                {
                    stopping = true;
                    break;
                }
            }
            if (!stopping)
            {
                // The reader completes the channel only after its last batch, or with its error (rethrown above).
                throw new InvalidOperationException("The file ended without its last batch.");
            }
            while (inFlight.Count > 0)
            {
                if (await FinishOldestAsync() is { } ended)
                {
                    return ended;
                }
            }
            return (Ending.Stopped, progress);
        }
        finally
        {
            await readerStop.CancelAsync();
            // Batches still in flight here are abandoned (an error or a stop before them): each waits for the one
            // before it, which failed or is being abandoned too, and rolls back.
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
            try
            {
                await Task.WhenAll(reader, preparer);
            }
            catch (OperationCanceledException)
            {
                // Stopped on purpose.
            }
        }

        // Waits for the oldest batch in flight to commit; the run's result when that batch ended it.
        async Task<(Ending, Progress)?> FinishOldestAsync()
        {
            var oldest = inFlight.Peek();
            var committed = await oldest.Done;
            inFlight.Dequeue();
            return oldest.Last ? (Ending.Completed, committed) : null;
        }
    }

    /// <summary>
    /// A Bloom filter of content hashes (8 MB whatever the file's size, five probes): false means the hash was never
    /// added; true means it may have been (about one in 400,000 at a million rows, one in twenty at ten million), and
    /// the database answers. Saves one index probe per row on the records table's largest random-keyed index.
    /// </summary>
    private sealed class HashFilter
    {
        private const int Bits = 1 << 26;
        private const int Probes = 5;
        private readonly ulong[] words = new ulong[Bits / 64];

        public bool MayContain(string hash)
        {
            var (first, step) = Keys(hash);
            for (var i = 0; i < Probes; i++)
            {
                var bit = (first + (ulong)i * step) % Bits;
                if ((words[bit / 64] & (1UL << (int)(bit % 64))) == 0)
                {
                    return false;
                }
            }
            return true;
        }

        public void Add(string hash)
        {
            var (first, step) = Keys(hash);
            for (var i = 0; i < Probes; i++)
            {
                var bit = (first + (ulong)i * step) % Bits;
                words[bit / 64] |= 1UL << (int)(bit % 64);
            }
        }

        // The hash is SHA-256 in hex: its first 32 digits are two independent, uniform 64-bit keys.
        private static (ulong First, ulong Step) Keys(string hash) =>
            (ulong.Parse(hash.AsSpan(0, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture),
             ulong.Parse(hash.AsSpan(16, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture) | 1);
    }

    /// <summary>A batch being written: it completes with the progress it committed.</summary>
    private sealed record InFlight(Task<Progress> Done, HashSet<string> Hashes, bool Last);

    private static async Task<HashSet<string>> StoredHashesAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string table, Guid datasetId, string[] candidates, CancellationToken cancellationToken)
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
    /// the dataset's count and the caller's checkpoint and commits. A failure of the batch before it rolls this one back.
    /// </summary>
    private static async Task<Progress> WriteBatchAsync(
        IDocumentStore store, NpgsqlConnection connection, NpgsqlTransaction transaction, string table, Guid datasetId,
        List<Prepared> fresh, long firstRow, Batch batch, Progress after, Task previous,
        Func<IDocumentSession, NpgsqlTransaction, Progress, bool, Task> withinBatch, Func<Progress, Task> afterBatch, CancellationToken cancellationToken)
    {
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                if (fresh.Count > 0)
                {
                    await CopyRowsAsync(connection, table, datasetId, fresh, firstRow, cancellationToken);
                }
                // In file order: the batch before this one committed (its failure is rethrown here, and this one rolls back).
                await previous;
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
                        await withinBatch(session, transaction, after, batch.Last);
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
        // Still in order: the next batch commits only after this push, so a push never shows an uncommitted batch.
        await afterBatch(after);
        return after;
    }

    private static async Task CopyRowsAsync(NpgsqlConnection connection, string table, Guid datasetId, List<Prepared> fresh, long firstRow, CancellationToken cancellationToken)
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

    private sealed record Prepared(DatasetSchema.Normaliser.Result Normalised, string Hash, string JsonTail);

    /// <summary>Normalises, hashes and serialises a batch's rows, half on another thread; rejected rows join the batch's errors in row order.</summary>
    private static void Prepare(Batch batch, string[] header, DatasetSchema.Normaliser normaliser, ref int reported)
    {
        var raw = batch.Raw;
        var prepared = new Prepared?[raw.Count];
        var rejected = new ImportError?[raw.Count];
        void Range(int start, int end)
        {
            var buffer = new ArrayBufferWriter<byte>(1024);
            for (var i = start; i < end; i++)
            {
                var (number, values) = raw[i];
                if (UnstorableColumn(header, values) is { } bad)
                {
                    rejected[i] = new ImportError(number, bad.Column, bad.Reason);
                    continue;
                }
                var (normalised, column, reason) = normaliser.Normalise(values);
                if (normalised is null)
                {
                    rejected[i] = new ImportError(number, column, reason!);
                    continue;
                }
                var hash = ContentHash(header, values);
                prepared[i] = new Prepared(normalised, hash, JsonTail(buffer, header, values, normalised, hash));
            }
        }
        var half = raw.Count / 2;
        var other = Task.Run(() => Range(half, raw.Count));
        Range(0, half);
        other.GetAwaiter().GetResult();
        // Rows rejected while reading and here are reported together in row order (the first 1,000 of the import).
        var errors = batch.ReadErrors.Concat(rejected.OfType<ImportError>()).OrderBy(e => e.Row);
        foreach (var error in errors)
        {
            batch.Reject(error, ref reported);
        }
        batch.ReadErrors.Clear();
        foreach (var row in prepared)
        {
            if (row is not null)
            {
                batch.Rows.Add(row);
            }
        }
        raw.Clear();
    }

    /// <summary>Everything of the record's JSON after its row number, which is known only when the batch is written.</summary>
    private static string JsonTail(ArrayBufferWriter<byte> buffer, string[] header, Dictionary<string, string> values, DatasetSchema.Normaliser.Result normalised, string hash)
    {
        buffer.ResetWrittenCount();
        using (var json = new Utf8JsonWriter(buffer))
        {
            // Continues an object the writer opens: write the members only, then cut the braces.
            json.WriteStartObject();
            json.WriteStartObject("values");
            foreach (var column in header)
            {
                json.WriteString(column, values[column]);
            }
            json.WriteEndObject();
            WriteOrNull(json, "phoneE164", normalised.Phone?.E164);
            WriteOrNull(json, "phoneDigits", normalised.Phone?.Digits);
            WriteOrNull(json, "country", normalised.Country);
            json.WriteString("contentHash", hash);
            WriteOrNull(json, "date", normalised.Date);
            json.WriteEndObject();
        }
        // "{" + members + "}" becomes "," + members + "}".
        var written = buffer.WrittenSpan;
        return string.Concat(",", Encoding.UTF8.GetString(written[1..]));
    }

    private static void WriteOrNull(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }

    private sealed class Batch(int capacity)
    {
        public List<(long Row, Dictionary<string, string> Values)> Raw { get; } = new(capacity);

        public List<ImportError> ReadErrors { get; } = [];

        public List<Prepared> Rows { get; } = new(capacity);

        public List<ImportError> Errors { get; } = [];

        public int Rejected { get; private set; }

        public long LastRow { get; set; }

        public long BytesRead { get; set; }

        public bool Last { get; set; }

        public void Reject(ImportError error, ref int reported)
        {
            Rejected++;
            if (reported < MaxReportedErrors)
            {
                reported++;
                Errors.Add(error);
            }
        }
    }

    /// <summary>
    /// Text PostgreSQL cannot store (U+0000, unpaired surrogates) would fail the whole batch; U+FFFD is what the
    /// decoder puts where the bytes were not UTF-8. Evidence is not stored altered, so such rows are rejected.
    /// </summary>
    private static (string Column, string Reason)? UnstorableColumn(string[] header, Dictionary<string, string> values)
    {
        foreach (var column in header)
        {
            var text = values[column];
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (c < '\uD800')
                {
                    if (c == '\0')
                    {
                        return (column, "Holds a NUL character, which cannot be stored.");
                    }
                    continue;
                }
                if (c == '\uFFFD')
                {
                    return (column, "Not valid UTF-8 (or holds U+FFFD, the mark of an earlier failed decoding); the row was not stored.");
                }
                if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    i++;
                }
                else if (char.IsSurrogate(c))
                {
                    return (column, "Holds an unpaired surrogate, which is not text.");
                }
            }
        }
        return null;
    }

    /// <summary>The identity of a row's content within its dataset: SHA-256 of every value in UTF-8, in column order, each followed by U+001F.</summary>
    private static string ContentHash(string[] header, Dictionary<string, string> values)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> small = stackalloc byte[512];
        foreach (var column in header)
        {
            var text = values[column];
            var length = Encoding.UTF8.GetMaxByteCount(text.Length);
            var bytes = length <= small.Length ? small : new byte[length];
            var written = Encoding.UTF8.GetBytes(text, bytes);
            hash.AppendData(bytes[..written]);
            hash.AppendData([0x1f]);
        }
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        return Convert.ToHexString(digest);
    }

    /// <summary>A row source for an uploaded file of <paramref name="mediaType"/>; null for a type not imported.</summary>
    public static RowSource? SourceFor(string? mediaType, Stream file) => MediaTypeOf(mediaType) switch
    {
        "text/csv" => new CsvRowSource(file),
        "application/x-ndjson" or "application/jsonl" => new JsonLinesRowSource(file),
        XlsxRowSource.MediaType => new XlsxRowSource(file),
        _ => null,
    };

    public static string? MediaTypeOf(string? contentType) =>
        contentType is null ? null : contentType.Split(';')[0].Trim().ToLowerInvariant();
}
