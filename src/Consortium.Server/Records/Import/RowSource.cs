using Consortium.Client;

namespace Consortium.Server.Records;

/// <summary>
/// Rows of an uploaded file, read one at a time from a stream so memory stays flat whatever the file's size. A row is
/// either values by column or an error with its row number; <see cref="SourceRow.Stop"/> says nothing after it can be read.
/// </summary>
public abstract class RowSource : IAsyncDisposable
{
    public sealed record Unusable(string Title, string Detail);

    public sealed record SourceRow(long Row, Dictionary<string, string>? Values, ImportError? Error, bool Stop = false);

    /// <summary>The columns, in order; set once <see cref="ReadHeaderAsync"/> accepted the file.</summary>
    public string[]? Header { get; protected set; }

    /// <summary>Null when the file can be imported into a dataset with <paramref name="datasetColumns"/> (empty: any columns).</summary>
    public abstract Task<Unusable?> ReadHeaderAsync(IReadOnlyList<string> datasetColumns, CancellationToken cancellationToken);

    /// <summary>The next row, or null at the end.</summary>
    public abstract Task<SourceRow?> ReadAsync(CancellationToken cancellationToken);

    /// <summary>How far into the file reading has come, for progress; 0 where the file is not read front to back (XLSX).</summary>
    public virtual long BytesRead => 0;

    public async ValueTask DisposeAsync()
    {
        await DisposeCoreAsync();
        GC.SuppressFinalize(this);
    }

    protected virtual ValueTask DisposeCoreAsync() => ValueTask.CompletedTask;

    protected static Unusable? CheckHeader(string format, string[] header, IReadOnlyList<string> datasetColumns)
    {
        if (header.Length == 0 || header.All(string.IsNullOrEmpty))
        {
            return new($"Unreadable {format}", "The file is empty or names no columns.");
        }
        if (header.Distinct(StringComparer.OrdinalIgnoreCase).Count() != header.Length || header.Any(string.IsNullOrEmpty))
        {
            return new($"Unreadable {format}", "Every column needs a distinct, non-empty name.");
        }
        if (datasetColumns.Count > 0 && !datasetColumns.Order(StringComparer.Ordinal).SequenceEqual(header.Order(StringComparer.Ordinal), StringComparer.Ordinal))
        {
            return new("Columns do not match", $"This dataset has the columns {string.Join(", ", datasetColumns)}; the file has {string.Join(", ", header)}.");
        }
        return null;
    }
}
