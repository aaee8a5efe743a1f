using Consortium.Client;
using Consortium.Server.Audit;
using Consortium.Server.Hosting;
using Marten;
using Marten.Schema;

namespace Consortium.Server.Records;

/// <summary>
/// One uploaded file being imported into a dataset. The file waits in the spool folder (<see cref="SpoolPath"/>); the
/// job's counts and checkpoint (<see cref="RowsRead"/>: the last source row whose batch committed) are written in the
/// same transaction as each batch of rows, so they never disagree with what is stored, whatever stops the server.
/// Announced: the changes feed (Sync) renders a completed job from its stored state.
/// </summary>
[Announced]
public sealed record ImportJob(
    Guid Id,
    Guid DatasetId,
    Guid InvestigationId,
    string MediaType,
    string SpoolPath,
    long TotalBytes,
    string State,
    long BytesRead,
    long RowsRead,
    int Imported,
    int Duplicates,
    int Rejected,
    IReadOnlyList<ImportError> Errors,
    string? Failure,
    AuditActor StartedBy,
    AuditOrigin Origin,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>Queued or running: the dataset takes no other import meanwhile.</summary>
    public bool IsActive => State is ImportStates.Queued or ImportStates.Running;

    /// <summary>The dataset while the job is active, else null: a unique index on it allows one active job per dataset.</summary>
    public Guid? ActiveDatasetId => IsActive ? DatasetId : null;

    public bool CanResume => State is ImportStates.Cancelled or ImportStates.Failed;

    public ImportJobView ToView() => new(Id, DatasetId, State, MediaType, TotalBytes, BytesRead, RowsRead, Imported, Duplicates, Rejected,
        Errors, Failure, StartedBy.DisplayName, CreatedAt, UpdatedAt);

    public ImportProgressView ToProgress() => new(Id, DatasetId, State, TotalBytes, BytesRead, RowsRead, Imported, Duplicates, Rejected, Failure);

    public string Summary => $"{Imported} imported, {Duplicates} duplicates skipped, {Rejected} rejected";
}

internal static class ImportJobDocuments
{
    public const string OneActiveIndex = "ix_importjob_one_active_per_dataset";

    public static void RegisterImportJobs(this StoreOptions options) =>
        options.Schema.For<ImportJob>()
            .Index(j => j.DatasetId)
            // One import at a time per dataset: row numbers continue from the dataset's last, and a second file
            // waiting behind the first is better refused at once (409) than queued for minutes unseen.
            .UniqueIndex(UniqueIndexType.Computed, OneActiveIndex, j => j.ActiveDatasetId!);
}
