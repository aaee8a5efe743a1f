using Consortium.Client;
using Marten;
using Npgsql;

namespace Consortium.Server.Records;

/// <summary>How an import run ended: the file was read to its end, or it stopped after a whole batch on request.</summary>
public enum ImportEnding { Completed, Stopped }

/// <summary>Where an import starts (a fresh one at zero) and what it has done so far.</summary>
public sealed record ImportProgress(long RowsRead, long BytesRead, int Imported, int Duplicates, int Rejected, IReadOnlyList<ImportError> Errors)
{
    public static readonly ImportProgress Start = new(0, 0, 0, 0, 0, []);

    /// <summary>The progress once <paramref name="batch"/> commits with <paramref name="stored"/> of its rows (the others were duplicates).</summary>
    internal ImportProgress After(ImportBatch batch, int stored)
    {
        var errors = Errors.Count >= ImportRecords.MaxReportedErrors || batch.Errors.Count == 0
            ? Errors
            : Errors.Concat(batch.Errors).Take(ImportRecords.MaxReportedErrors).ToArray();
        return new ImportProgress(batch.LastRow > RowsRead ? batch.LastRow : RowsRead, batch.BytesRead,
            Imported + stored, Duplicates + batch.Rows.Count - stored, Rejected + batch.Rejected, errors);
    }
}

/// <summary>
/// What the owner of an import writes with each batch: <see cref="WithinBatchAsync"/> runs inside the batch's
/// transaction before it commits (<c>last</c>: the batch that ends the file), <see cref="AfterBatchAsync"/> after the
/// commit, in file order.
/// </summary>
public interface IImportCheckpoint
{
    Task WithinBatchAsync(IDocumentSession session, NpgsqlTransaction transaction, ImportProgress progress, bool last);

    Task AfterBatchAsync(ImportProgress progress);
}

/// <summary>An import nobody follows (the demo seed): no checkpoint, nothing to announce.</summary>
public sealed class NoCheckpoint : IImportCheckpoint
{
    public static readonly NoCheckpoint Instance = new();

    public Task WithinBatchAsync(IDocumentSession session, NpgsqlTransaction transaction, ImportProgress progress, bool last) => Task.CompletedTask;

    public Task AfterBatchAsync(ImportProgress progress) => Task.CompletedTask;
}
