namespace Consortium.Server.Records;

/// <summary>
/// The limits of an import and the row source for each file type. The import itself runs in
/// <see cref="ImportPipeline"/>: read the file, prepare each batch, write it with its checkpoint.
/// </summary>
public static class ImportRecords
{
    public const long MaxRequestBytes = 256L * 1024 * 1024;
    public const int MaxRecordChars = 1024 * 1024;
    public const int DefaultBatchSize = 5000;
    /// <summary>Connections writing batches at once (each one PostgreSQL backend, so one core).</summary>
    public const int DefaultWriters = 2;
    public const int MaxReportedErrors = 1000;

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
