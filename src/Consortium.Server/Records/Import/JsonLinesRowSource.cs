using System.Text;
using System.Text.Json;
using Consortium.Client;

namespace Consortium.Server.Records;

/// <summary>
/// JSON Lines: one JSON object per line, its keys the columns and its values text (numbers and booleans as written,
/// null as empty). Row numbers are line numbers; blank lines are skipped. A line that is not an object with the
/// dataset's keys is an error for that line only, and reading goes on with the next line, even after an overlong one.
/// </summary>
public sealed class JsonLinesRowSource(Stream stream) : RowSource
{
    private readonly Stream file = stream;

    public override long BytesRead => file.Position;

    private readonly LineReader lines = new(stream, ImportRecords.MaxRecordChars);
    private readonly Queue<SourceRow> readAhead = new();

    public override async Task<Unusable?> ReadHeaderAsync(IReadOnlyList<string> datasetColumns, CancellationToken cancellationToken)
    {
        if (datasetColumns.Count > 0)
        {
            Header = datasetColumns.ToArray();
            if (await lines.ReadLineAsync(cancellationToken) is not { } opening)
            {
                return new("Unreadable JSON Lines", "The file is empty.");
            }
            var (values, error) = Parse(opening, Header);
            if ((error ?? (values is null ? null : new SourceRow(opening.Number, values, null))) is { } row)
            {
                readAhead.Enqueue(row);
            }
            return null;
        }
        // The first object names the columns; errors before it are kept for the report.
        var sawLine = false;
        while (await lines.ReadLineAsync(cancellationToken) is { } line)
        {
            sawLine = true;
            var (keys, error) = Parse(line, expected: null);
            if (error is not null)
            {
                readAhead.Enqueue(error);
                continue;
            }
            if (keys is null)
            {
                continue;
            }
            var header = keys.Keys.ToArray();
            if (CheckHeader("JSON Lines", header, datasetColumns) is { } unusable)
            {
                return new(unusable.Title, $"Line {line.Number}: {unusable.Detail}");
            }
            Header = header;
            readAhead.Enqueue(new SourceRow(line.Number, keys, null));
            return null;
        }
        return sawLine && readAhead.TryPeek(out var first)
            ? new("Unreadable JSON Lines", $"No line of the file is a JSON object; line {first.Row}: {first.Error!.Reason}")
            : new("Unreadable JSON Lines", "The file is empty.");
    }

    public override async Task<SourceRow?> ReadAsync(CancellationToken cancellationToken)
    {
        if (readAhead.TryDequeue(out var queued))
        {
            return queued;
        }
        while (await lines.ReadLineAsync(cancellationToken) is { } line)
        {
            var (values, error) = Parse(line, Header);
            if (error is not null)
            {
                return error;
            }
            if (values is not null)
            {
                return new SourceRow(line.Number, values, null);
            }
        }
        return null;
    }

    private static (Dictionary<string, string>? Values, SourceRow? Error) Parse(LineReader.Line line, string[]? expected)
    {
        SourceRow Fail(string? column, string reason) => new(line.Number, null, new ImportError(line.Number, column, reason));
        if (line.TooLong)
        {
            return (null, Fail(null, $"The line is longer than {ImportRecords.MaxRecordChars} bytes; skipped."));
        }
        if (line.Bytes.Span.Trim(" \t\r"u8).IsEmpty)
        {
            return (null, null);
        }
        try
        {
            using var document = JsonDocument.Parse(line.Bytes);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, Fail(null, "Not a JSON object."));
            }
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                var name = property.Name.Trim();
                string text;
                switch (property.Value.ValueKind)
                {
                    case JsonValueKind.String: text = property.Value.GetString()!; break;
                    case JsonValueKind.Number: text = property.Value.GetRawText(); break;
                    case JsonValueKind.True: text = "true"; break;
                    case JsonValueKind.False: text = "false"; break;
                    case JsonValueKind.Null: text = ""; break;
                    default: return (null, Fail(name, "Nested objects and arrays are not values of a column; give the value as text."));
                }
                if (!values.TryAdd(name, text))
                {
                    return (null, Fail(name, "The key appears twice."));
                }
            }
            if (expected is not null && (values.Count != expected.Length || !expected.All(values.ContainsKey)))
            {
                return (null, Fail(null, $"Expected the keys {string.Join(", ", expected)}; found {string.Join(", ", values.Keys)}."));
            }
            return (values, null);
        }
        catch (JsonException)
        {
            return (null, Fail(null, "Not valid JSON (or not UTF-8)."));
        }
        catch (InvalidOperationException)
        {
            return (null, Fail(null, "Not valid UTF-8."));
        }
    }

    /// <summary>
    /// Reads lines of at most <c>maxBytes</c> into one reused buffer; a longer line is skipped (reported as too long)
    /// without ever being held whole, so a file of one 200 MB line costs no more memory than a normal one.
    /// </summary>
    internal sealed class LineReader(Stream stream, int maxBytes)
    {
        private byte[] buffer = new byte[64 * 1024];
        private int start;
        private int end;
        private bool atEnd;
        private long number;

        /// <summary>A line without its newline; <see cref="Bytes"/> is valid until the next read.</summary>
        public readonly record struct Line(long Number, ReadOnlyMemory<byte> Bytes, bool TooLong);

        public async Task<Line?> ReadLineAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                var newline = Array.IndexOf(buffer, (byte)'\n', start, end - start);
                if (newline >= 0)
                {
                    return Take(newline, newline + 1);
                }
                if (atEnd)
                {
                    return start == end ? null : Take(end, end);
                }
                if (end - start >= maxBytes)
                {
                    number++;
                    await SkipPastNewlineAsync(cancellationToken);
                    return new Line(number, ReadOnlyMemory<byte>.Empty, TooLong: true);
                }
                await FillAsync(cancellationToken);
            }
        }

        private Line Take(int lineEnd, int next)
        {
            number++;
            var from = start;
            // A byte order mark may open the file.
            if (number == 1 && buffer.AsSpan(from, lineEnd - from).StartsWith("\uFEFF"u8))
            {
                from += 3;
            }
            var line = new Line(number, buffer.AsMemory(from, lineEnd - from), TooLong: false);
            start = next;
            return line;
        }

        private async Task SkipPastNewlineAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                var newline = Array.IndexOf(buffer, (byte)'\n', start, end - start);
                if (newline >= 0)
                {
                    start = newline + 1;
                    return;
                }
                start = end = 0;
                if (atEnd)
                {
                    return;
                }
                await FillAsync(cancellationToken);
            }
        }

        private async Task FillAsync(CancellationToken cancellationToken)
        {
            if (start > 0)
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
            }
            if (end == buffer.Length)
            {
                Array.Resize(ref buffer, Math.Min(buffer.Length * 2, maxBytes));
            }
            var read = await stream.ReadAsync(buffer.AsMemory(end), cancellationToken);
            if (read == 0)
            {
                atEnd = true;
            }
            else
            {
                end += read;
            }
        }
    }
}
