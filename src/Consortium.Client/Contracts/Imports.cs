namespace Consortium.Client;

/// <summary>
/// The outcome of an import: rows stored, rows rejected and why, and <see cref="Duplicates"/>: rows skipped because the
/// dataset already held the same content (an earlier import of the same file, or a row repeated in this one).
/// </summary>
public sealed record ImportResult(int Imported, int Rejected, IReadOnlyList<ImportError> Errors, int Duplicates = 0);

/// <summary>A row that could not be imported. <see cref="Row"/> counts data rows from 1, the header excluded.</summary>
public sealed record ImportError(long Row, string? Column, string Reason);

/// <summary>States of an import job; see <see cref="ImportJobView"/>.</summary>
public static class ImportStates
{
    /// <summary>The file is stored on the server and waits for its turn.</summary>
    public const string Queued = "queued";

    /// <summary>Rows are being written, batch by batch.</summary>
    public const string Running = "running";

    /// <summary>Stopped on request after a whole batch; resume continues after the last committed row.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>Stopped by an error after the last committed batch; resume retries from there.</summary>
    public const string Failed = "failed";

    /// <summary>Every row of the file was read.</summary>
    public const string Completed = "completed";
}

/// <summary>
/// An import of one uploaded file into a dataset, run by the server batch by batch. <see cref="RowsRead"/> is the last
/// source row committed (the checkpoint a resumed or restarted import continues from); <see cref="BytesRead"/> of
/// <see cref="TotalBytes"/> measures progress (0 for XLSX, which is not read front to back). <see cref="Errors"/> is
/// the error report (the first 1,000 rejected rows with their column and reason).
/// </summary>
public sealed record ImportJobView(
    Guid Id,
    Guid DatasetId,
    string State,
    string MediaType,
    long TotalBytes,
    long BytesRead,
    long RowsRead,
    int Imported,
    int Duplicates,
    int Rejected,
    IReadOnlyList<ImportError> Errors,
    string? Failure,
    string StartedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>True once the job will not move again unless resumed.</summary>
    public bool IsFinished => State is ImportStates.Completed or ImportStates.Cancelled or ImportStates.Failed;

    /// <summary>The outcome in the form a synchronous import returned it.</summary>
    public ImportResult ToResult() => new(Imported, Rejected, Errors, Duplicates);
}

/// <summary>Progress of an import job, pushed to the dataset's live group after every committed batch and state change.</summary>
public sealed record ImportProgressView(
    Guid JobId,
    Guid DatasetId,
    string State,
    long TotalBytes,
    long BytesRead,
    long RowsRead,
    int Imported,
    int Duplicates,
    int Rejected,
    string? Failure);
