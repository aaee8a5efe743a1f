using Consortium.Client;
using Marten;
using Marten.Schema;

namespace Consortium.Server.Records;

/// <summary>
/// One row of a dataset. Never edited after import (evidence stays as it was received), only annotated.
/// <see cref="Values"/> keeps the original text of every column; the normalised phone number sits beside it, and
/// <see cref="Date"/> is the record's date (ISO 8601, yyyy-MM-dd) read from the dataset's date column, if it has one.
/// </summary>
public sealed record LeakedRecord(
    Guid Id,
    Guid DatasetId,
    long RowNumber,
    Dictionary<string, string> Values,
    string? PhoneE164,
    string? PhoneDigits,
    string? Country,
    string ContentHash,
    string? Date = null)
{
    public RecordView ToView() => new(Id, DatasetId, RowNumber, Values, PhoneE164, Country, Date);
}

internal static class RecordDocuments
{
    public static void RegisterRecordDocuments(this StoreOptions options)
    {
        // Two imports into one dataset at once would number rows twice; the second fails with a conflict instead.
        options.Schema.For<Dataset>().Index(d => d.InvestigationId).UseOptimisticConcurrency(true);
        // Paging walks (dataset, row number); the digits column serves partial phone search. Dataset, row number and
        // content hash are duplicated by the unique indexes below alone: Duplicate() would add a single-column index
        // on each, which the composite indexes already cover and which every imported row would pay for
        // (docs/decisions/0015-import-jobs-batch-checkpoints.md). Marten's migration drops those on existing databases.
        options.Schema.For<LeakedRecord>()
            .Duplicate(r => r.PhoneDigits!)
            .Duplicate(r => r.Date!)
            // Search facets count and sort by country from this column (an index-only scan), not from the JSON.
            .Duplicate(r => r.Country!)
            .UniqueIndex(UniqueIndexType.DuplicatedField, "ix_leakedrecord_dataset_row", r => r.DatasetId, r => r.RowNumber)
            // A row's content is stored once per dataset: re-importing a file adds nothing twice.
            .UniqueIndex(UniqueIndexType.DuplicatedField, "ix_leakedrecord_dataset_hash", r => r.DatasetId, r => r.ContentHash);
    }
}
