using Consortium.Server.Access;
using Marten;
using Marten.Schema;

namespace Consortium.Server.Records;

/// <summary>How the documents Records writes are stored: datasets, records and record restrictions.</summary>
internal static class RecordDocuments
{
    public static void RegisterRecordDocuments(this StoreOptions options)
    {
        // Two imports into one dataset at once would number rows twice; the second fails with a conflict instead.
        options.Schema.For<Dataset>().Index(d => d.InvestigationId).UseOptimisticConcurrency(true);
        options.Schema.For<RecordRestriction>().Index(r => r.DatasetId);
        // Paging walks (dataset, row number); the digits column serves partial phone search. Dataset, row number and
        // content hash are duplicated by the unique indexes below alone: Duplicate() would add a single-column index
        // on each, which the composite indexes already cover and which every imported row would pay for
        // (docs/decisions/0015-import-jobs-batch-checkpoints.md). Marten's migration drops those on existing databases.
        // Search filters, counts and sorts by these three columns, not the JSON, through the (dataset, coalesce(column),
        // row) expression indexes and the trigram index on the digits (RecordSearchSchema). Duplicate() always gives a
        // column a plain index of its own too, which no query uses and every imported row paid for (about 5% of a
        // row's insert, decision 0015): it is made a partial index on no row, which PostgreSQL keeps empty for free.
        options.Schema.For<LeakedRecord>()
            .Duplicate(r => r.PhoneDigits!, configure: NoRows)
            .Duplicate(r => r.Date!, configure: NoRows)
            .Duplicate(r => r.Country!, configure: NoRows)
            .UniqueIndex(UniqueIndexType.DuplicatedField, "ix_leakedrecord_dataset_row", r => r.DatasetId, r => r.RowNumber)
            // A row's content is stored once per dataset: re-importing a file adds nothing twice.
            .UniqueIndex(UniqueIndexType.DuplicatedField, "ix_leakedrecord_dataset_hash", r => r.DatasetId, r => r.ContentHash);
    }

    private static void NoRows(DocumentIndex index) => index.Predicate = "false";
}
