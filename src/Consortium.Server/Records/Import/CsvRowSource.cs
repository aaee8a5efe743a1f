using System.Text;
using Consortium.Client;
using Sylvan.Data.Csv;

namespace Consortium.Server.Records;

/// <summary>
/// CSV with a header row, any common delimiter (Sylvan detects it), quoted fields, UTF-8 with or without BOM. Bytes
/// that are not UTF-8 become U+FFFD, and the importer rejects such rows (see <c>ImportRecords</c>).
/// </summary>
public sealed class CsvRowSource(Stream stream) : RowSource
{
    private readonly Stream file = stream;

    public override long BytesRead => file.Position;

    private readonly StreamReader text = new(stream, new UTF8Encoding(false, throwOnInvalidBytes: false), detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024);
    private CsvDataReader? reader;
    private long row;

    public override async Task<Unusable?> ReadHeaderAsync(IReadOnlyList<string> datasetColumns, CancellationToken cancellationToken)
    {
        try
        {
            reader = await CsvDataReader.CreateAsync(text, new CsvDataReaderOptions { MaxBufferSize = ImportRecords.MaxRecordChars * 2 }, cancellationToken);
        }
        catch (Exception e) when (e is CsvMissingHeadersException or CsvFormatException or CsvRecordTooLargeException)
        {
            return new("Unreadable CSV", e is CsvRecordTooLargeException
                ? $"The header row is longer than {ImportRecords.MaxRecordChars} characters; is this a CSV file?"
                : "The file has no readable header row.");
        }
        var header = Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetName(i).Trim()).ToArray();
        if (CheckHeader("CSV", header, datasetColumns) is { } unusable)
        {
            return unusable;
        }
        if (datasetColumns.Count > 0 && !datasetColumns.SequenceEqual(header, StringComparer.Ordinal))
        {
            // Same columns in another order would hash the same content differently.
            return new("Columns do not match", $"This dataset has the columns {string.Join(", ", datasetColumns)} in that order; the file has {string.Join(", ", header)}.");
        }
        Header = header;
        return null;
    }

    public override async Task<SourceRow?> ReadAsync(CancellationToken cancellationToken)
    {
        var header = Header!;
        try
        {
            if (!await reader!.ReadAsync(cancellationToken))
            {
                return null;
            }
        }
        catch (Exception e) when (e is CsvFormatException or CsvRecordTooLargeException)
        {
            // The reader cannot find the next row boundary after this: the rest of the file is unreadable.
            return new(row + 1, null, new ImportError(row + 1, null, e is CsvRecordTooLargeException
                ? $"The row is longer than {ImportRecords.MaxRecordChars} characters; reading stopped here."
                : "Malformed quoting; reading stopped here."), Stop: true);
        }
        row++;
        if (reader.RowFieldCount != header.Length)
        {
            return new(row, null, new ImportError(row, null, $"Expected {header.Length} fields, found {reader.RowFieldCount}."));
        }
        var values = new Dictionary<string, string>(header.Length, StringComparer.Ordinal);
        for (var i = 0; i < header.Length; i++)
        {
            values[header[i]] = reader.GetString(i);
        }
        return new(row, values, null);
    }

    protected override async ValueTask DisposeCoreAsync()
    {
        if (reader is not null)
        {
            await reader.DisposeAsync();
        }
        text.Dispose();
        await base.DisposeCoreAsync();
    }
}
