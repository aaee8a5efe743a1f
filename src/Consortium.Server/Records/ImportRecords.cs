using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Consortium.Client;
using Marten;
using Npgsql;

namespace Consortium.Server.Records;

/// <summary>
/// Imports rows (CSV, JSON Lines or XLSX, see <see cref="RowSource"/>) into a dataset. Every valid row is stored, every
/// invalid one reported with its row number, column and reason; a row whose content is already in the dataset (same
/// content hash) is skipped and counted, so importing the same file twice stores it once.
/// </summary>
/// <remarks>
/// Rows are read from a stream and written in batches of <see cref="BatchSize"/>, so memory does not grow with the
/// file. All batches go into one PostgreSQL transaction, committed with the import's audit entry: an import either
/// completes or leaves nothing behind (docs/decisions/0008-import-in-one-transaction.md).
/// </remarks>
public static class ImportRecords
{
    public const long MaxRequestBytes = 256L * 1024 * 1024;
    public const int MaxRecordChars = 1024 * 1024;
    public const int BatchSize = 5000;
    private const int MaxReportedErrors = 1000;
    // "Impt" in ASCII: the first key of the two-key advisory lock that lets one import at a time into a dataset.
    private const int ImportLockSpace = 0x496D7074;
    private static readonly string[] PhoneColumnNames = ["phone", "phone_number", "number", "msisdn", "telephone", "tel"];

    public sealed record Outcome(ImportResult? Result, string? FailureTitle, string? FailureDetail, int Status = StatusCodes.Status400BadRequest)
    {
        public static Outcome Failed(string title, string detail, int status = StatusCodes.Status400BadRequest) => new(null, title, detail, status);
    }

    /// <summary>
    /// Runs a whole import in one transaction of its own. <paramref name="beforeCommit"/> runs inside it after the rows
    /// and the dataset are written (the audit entry goes there); nothing is committed when the import fails.
    /// </summary>
    public static async Task<Outcome> RunAsync(
        IDocumentStore store, string connectionString, Guid datasetId, RowSource source,
        Func<NpgsqlTransaction, ImportResult, Dataset, Task>? beforeCommit, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // One import at a time per dataset: row numbers continue from the dataset's count, and a second import
        // waiting minutes on the first's rows would then fail anyway. It is refused at once instead.
        await using (var lockCommand = new NpgsqlCommand("select pg_try_advisory_xact_lock($1, $2)", connection, transaction))
        {
            lockCommand.Parameters.Add(new NpgsqlParameter { Value = ImportLockSpace });
            lockCommand.Parameters.Add(new NpgsqlParameter { Value = LockKey(datasetId) });
            if (await lockCommand.ExecuteScalarAsync(cancellationToken) is not true)
            {
                return Outcome.Failed("Another import is running", "Another import into this dataset is in progress; nothing from this file was stored. Send it again when it has finished.", StatusCodes.Status409Conflict);
            }
        }
        await using var session = store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(transaction, shouldAutoCommit: false));
        var dataset = await session.LoadAsync<Dataset>(datasetId, cancellationToken);
        if (dataset is null)
        {
            return Outcome.Failed("No such dataset", "The dataset does not exist.", StatusCodes.Status404NotFound);
        }
        var outcome = await WriteRowsAsync(session, dataset, source, cancellationToken);
        if (outcome.Result is not { } result)
        {
            return outcome;
        }
        // Read again after the rows: a compartment set meanwhile is kept, and the version guards the rest.
        var current = (await session.LoadAsync<Dataset>(datasetId, cancellationToken))!;
        var updated = current with { Columns = source.Header!, RecordCount = current.RecordCount + result.Imported };
        session.Store(updated);
        await session.SaveChangesAsync(cancellationToken);
        if (beforeCommit is not null)
        {
            await beforeCommit(transaction, result, updated);
        }
        await transaction.CommitAsync(cancellationToken);
        return outcome;
    }

    private static async Task<Outcome> WriteRowsAsync(IDocumentSession session, Dataset dataset, RowSource source, CancellationToken cancellationToken)
    {
        if (await source.ReadHeaderAsync(dataset.Columns, cancellationToken) is { } unusable)
        {
            return Outcome.Failed(unusable.Title, unusable.Detail);
        }
        var header = source.Header!;
        var phoneColumn = Array.FindIndex(header, h => PhoneColumnNames.Contains(h, StringComparer.OrdinalIgnoreCase));
        var countryColumn = Array.FindIndex(header, h => h.Equals("country", StringComparison.OrdinalIgnoreCase));
        var errors = new List<ImportError>();
        var batch = new Batch(session, dataset);
        var rejected = 0;

        while (await source.ReadAsync(cancellationToken) is { } row)
        {
            if (row.Error is { } error)
            {
                rejected++;
                Report(errors, error);
                if (row.Stop)
                {
                    break;
                }
                continue;
            }
            var values = row.Values!;
            if (UnstorableColumn(header, values) is { } bad)
            {
                rejected++;
                Report(errors, new ImportError(row.Row, bad.Column, bad.Reason));
                continue;
            }

            PhoneNumbers.Normalised? phone = null;
            if (phoneColumn >= 0)
            {
                phone = PhoneNumbers.TryNormalise(values[header[phoneColumn]], countryColumn >= 0 ? values[header[countryColumn]] : null);
                if (phone is null)
                {
                    rejected++;
                    Report(errors, new ImportError(row.Row, header[phoneColumn], "Not a phone number that can be read."));
                    continue;
                }
            }

            var country = phone?.Country ?? (countryColumn >= 0 && values[header[countryColumn]] is { Length: 2 } c ? c.ToUpperInvariant() : null);
            batch.Add(values, phone, country, ContentHash(header, values));
            if (batch.Count >= BatchSize)
            {
                await batch.FlushAsync(cancellationToken);
            }
        }
        await batch.FlushAsync(cancellationToken);
        return new Outcome(new ImportResult(batch.Imported, rejected, errors, batch.Duplicates), null, null);
    }

    /// <summary>
    /// Rows waiting to be written. A flush drops rows whose hash the dataset already holds (earlier imports, and
    /// earlier batches of this one, which this transaction sees) or that repeat within the batch, then inserts the rest.
    /// </summary>
    private sealed class Batch(IDocumentSession session, Dataset dataset)
    {
        private readonly List<(Dictionary<string, string> Values, PhoneNumbers.Normalised? Phone, string? Country, string Hash)> rows = new(BatchSize);

        public int Count => rows.Count;

        public int Imported { get; private set; }

        public int Duplicates { get; private set; }

        public void Add(Dictionary<string, string> values, PhoneNumbers.Normalised? phone, string? country, string hash) =>
            rows.Add((values, phone, country, hash));

        public async Task FlushAsync(CancellationToken cancellationToken)
        {
            if (rows.Count == 0)
            {
                return;
            }
            var hashes = rows.Select(r => r.Hash).Distinct(StringComparer.Ordinal).ToArray();
            var stored = await session.Query<LeakedRecord>()
                .Where(r => r.DatasetId == dataset.Id && r.ContentHash.IsOneOf(hashes))
                .Select(r => r.ContentHash)
                .ToListAsync(cancellationToken);
            var seen = new HashSet<string>(stored, StringComparer.Ordinal);
            foreach (var row in rows)
            {
                if (!seen.Add(row.Hash))
                {
                    Duplicates++;
                    continue;
                }
                Imported++;
                session.Insert(new LeakedRecord(
                    Guid.CreateVersion7(),
                    dataset.Id,
                    dataset.RecordCount + Imported,
                    row.Values,
                    row.Phone?.E164,
                    row.Phone?.Digits,
                    row.Country,
                    row.Hash));
            }
            rows.Clear();
            await session.SaveChangesAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Text PostgreSQL cannot store (U+0000, unpaired surrogates) would fail the whole import; U+FFFD is what the
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
                if (c == '\uFFFD')
                {
                    return (column, "Not valid UTF-8 (or holds U+FFFD, the mark of an earlier failed decoding); the row was not stored.");
                }
                if (c == '\0')
                {
                    return (column, "Holds a NUL character, which cannot be stored.");
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

    private static void Report(List<ImportError> errors, ImportError error)
    {
        if (errors.Count < MaxReportedErrors)
        {
            errors.Add(error);
        }
    }

    private static int LockKey(Guid datasetId)
    {
        Span<byte> bytes = stackalloc byte[16];
        datasetId.TryWriteBytes(bytes);
        return BinaryPrimitives.ReadInt32LittleEndian(bytes) ^ BinaryPrimitives.ReadInt32LittleEndian(bytes[4..])
            ^ BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]) ^ BinaryPrimitives.ReadInt32LittleEndian(bytes[12..]);
    }

    /// <summary>The identity of a row's content within its dataset: every value, in column order, separated by U+001F.</summary>
    private static string ContentHash(string[] header, Dictionary<string, string> values)
    {
        var builder = new StringBuilder();
        foreach (var column in header)
        {
            builder.Append(values[column]).Append('\u001f');
        }
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString())));
    }
}
