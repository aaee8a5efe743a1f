using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Consortium.Client;

namespace Consortium.Server.Records;

/// <summary>A row ready to copy: its normalised values, content hash, and its JSON after the row number.</summary>
internal sealed record PreparedRow(DatasetSchema.Normaliser.Result Normalised, string Hash, string JsonTail);

/// <summary>
/// A batch of an import as it moves through the pipeline: raw rows as read, then the prepared rows and the rejected
/// ones (the first <see cref="ImportRecords.MaxReportedErrors"/> of the import reported with their reason).
/// </summary>
internal sealed class ImportBatch(int capacity)
{
    public List<(long Row, Dictionary<string, string> Values)> Raw { get; } = new(capacity);

    public List<ImportError> ReadErrors { get; } = [];

    public List<PreparedRow> Rows { get; } = new(capacity);

    public List<ImportError> Errors { get; } = [];

    public int Rejected { get; private set; }

    public long LastRow { get; set; }

    public long BytesRead { get; set; }

    public bool Last { get; set; }

    /// <summary>Normalises, hashes and serialises the raw rows, half on another thread; rejected rows join the errors in row order.</summary>
    public void Prepare(string[] header, DatasetSchema.Normaliser normaliser, ref int reported)
    {
        var raw = Raw;
        var prepared = new PreparedRow?[raw.Count];
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
                prepared[i] = new PreparedRow(normalised, hash, JsonTail(buffer, header, values, normalised, hash));
            }
        }
        var half = raw.Count / 2;
        var other = Task.Run(() => Range(half, raw.Count));
        Range(0, half);
        other.GetAwaiter().GetResult();
        // Rows rejected while reading and here are reported together in row order (the first 1,000 of the import).
        var errors = ReadErrors.Concat(rejected.OfType<ImportError>()).OrderBy(e => e.Row);
        foreach (var error in errors)
        {
            Reject(error, ref reported);
        }
        ReadErrors.Clear();
        foreach (var row in prepared)
        {
            if (row is not null)
            {
                Rows.Add(row);
            }
        }
        raw.Clear();
    }

    private void Reject(ImportError error, ref int reported)
    {
        Rejected++;
        if (reported < ImportRecords.MaxReportedErrors)
        {
            reported++;
            Errors.Add(error);
        }
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
}
