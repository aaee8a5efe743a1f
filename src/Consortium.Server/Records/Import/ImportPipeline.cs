using Consortium.Server.Access;
using System.Threading.Channels;
using Consortium.Server.Storage;
using Marten;

namespace Consortium.Server.Records;

/// <summary>
/// Writes the rows of a file (CSV, JSON Lines or XLSX, see <see cref="RowSource"/>, its header already accepted) into a
/// dataset, batch by batch. Every valid row is stored, every invalid one reported with its row number, column and
/// reason; a row whose content is already in the dataset (same content hash) is skipped and counted, so importing the
/// same file twice stores it once.
/// </summary>
/// <remarks>
/// Three steps run at once so that both cores work: <see cref="ReadBatchesAsync">reading</see>,
/// <see cref="PrepareBatchesAsync">preparing</see> (normalising, hashing and serialising, split over two threads) and
/// <see cref="WriteBatchesAsync">writing</see>, which mostly waits for PostgreSQL. Each batch is one transaction: its
/// rows go in by binary COPY and the <see cref="IImportCheckpoint"/> commits with them
/// (docs/decisions/0015-import-jobs-batch-checkpoints.md).
/// </remarks>
public sealed class ImportPipeline(IDocumentStore store, StorageSettings storage, Dataset dataset, RowSource source, IImportCheckpoint checkpoint)
{
    public int BatchSize { get; init; } = ImportRecords.DefaultBatchSize;

    public int Writers { get; init; } = ImportRecords.DefaultWriters;

    /// <summary>
    /// Writes the rows after <paramref name="from"/>'s checkpoint. <paramref name="stopAfterBatch"/> ends the run after
    /// the batch being written; <paramref name="abort"/> abandons the batch being written (rolled back).
    /// </summary>
    public async Task<(ImportEnding Ending, ImportProgress Progress)> RunAsync(ImportProgress from, CancellationToken stopAfterBatch, CancellationToken abort)
    {
        using var readerStop = CancellationTokenSource.CreateLinkedTokenSource(abort);
        var read = Channel.CreateBounded<ImportBatch>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        var prepared = Channel.CreateBounded<ImportBatch>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        var reader = Task.Run(() => ReadBatchesAsync(from.RowsRead, read.Writer, readerStop.Token), CancellationToken.None);
        var preparer = Task.Run(() => PrepareBatchesAsync(read.Reader, prepared.Writer, from.Errors.Count, readerStop.Token), CancellationToken.None);
        var writer = new ImportBatchWriter(store, storage, dataset.Id, checkpoint);
        try
        {
            return await WriteBatchesAsync(prepared.Reader, writer, from, stopAfterBatch, abort);
        }
        finally
        {
            await readerStop.CancelAsync();
            await writer.DisposeAsync();
            try
            {
                await Task.WhenAll(reader, preparer);
            }
            catch (OperationCanceledException)
            {
                // Stopped on purpose.
            }
        }
    }

    /// <summary>Step 1: the rows after the checkpoint, cut into batches; the last batch is marked (or the channel fails with the reader's error).</summary>
    private async Task ReadBatchesAsync(long checkpointRow, ChannelWriter<ImportBatch> batches, CancellationToken cancellationToken)
    {
        try
        {
            var batch = new ImportBatch(BatchSize);
            while (await source.ReadAsync(cancellationToken) is { } row)
            {
                if (row.Row <= checkpointRow)
                {
                    // Committed before a cancel or a restart: the file is read again up to the checkpoint, not stored again.
                    continue;
                }
                batch.LastRow = row.Row;
                if (row.Error is { } error)
                {
                    batch.ReadErrors.Add(error);
                    if (row.Stop)
                    {
                        break;
                    }
                    continue;
                }
                batch.Raw.Add((row.Row, row.Values!));
                if (batch.Raw.Count >= BatchSize)
                {
                    batch.BytesRead = source.BytesRead;
                    await batches.WriteAsync(batch, cancellationToken);
                    batch = new ImportBatch(BatchSize);
                }
            }
            batch.BytesRead = source.BytesRead;
            batch.Last = true;
            await batches.WriteAsync(batch, cancellationToken);
            batches.Complete();
        }
        catch (Exception e)
        {
            batches.Complete(e);
        }
    }

    /// <summary>Step 2: each batch normalised, hashed and serialised; <paramref name="reported"/> counts the errors reported so far.</summary>
    private async Task PrepareBatchesAsync(ChannelReader<ImportBatch> read, ChannelWriter<ImportBatch> prepared, int reported, CancellationToken cancellationToken)
    {
        try
        {
            var header = source.Header!;
            var normaliser = new DatasetSchema.Normaliser(header, dataset.Schema);
            await foreach (var batch in read.ReadAllAsync(cancellationToken))
            {
                batch.Prepare(header, normaliser, ref reported);
                await prepared.WriteAsync(batch, cancellationToken);
            }
            prepared.Complete();
        }
        catch (Exception e)
        {
            prepared.Complete(e);
        }
    }

    /// <summary>Step 3: each batch written with its checkpoint, in file order, until the last one or a stop.</summary>
    private async Task<(ImportEnding, ImportProgress)> WriteBatchesAsync(
        ChannelReader<ImportBatch> batches, ImportBatchWriter writer, ImportProgress progress, CancellationToken stopAfterBatch, CancellationToken abort)
    {
        await writer.OpenAsync(Writers, abort);
        await foreach (var batch in batches.ReadAllAsync(abort))
        {
            if (writer.Full && await writer.FinishOldestAsync() is { } ended)
            {
                return ended;
            }
            if (stopAfterBatch.IsCancellationRequested)
            {
                // Stop after the batches being written; this one is read again on resume.
                return await CompleteAsync(writer, progress);
            }
            progress = await writer.StartAsync(batch, progress, abort);
            if (batch.Last)
            {
                return await CompleteAsync(writer, progress);
            }
        }
        // The reader completes the channel only after its last batch, or with its error (rethrown above).
        throw new InvalidOperationException("The file ended without its last batch.");
    }

    /// <summary>Step 4: the batches in flight commit; completed when the last of the file was among them, else stopped.</summary>
    private static async Task<(ImportEnding, ImportProgress)> CompleteAsync(ImportBatchWriter writer, ImportProgress progress)
    {
        while (writer.Writing)
        {
            if (await writer.FinishOldestAsync() is { } ended)
            {
                return ended;
            }
        }
        return (ImportEnding.Stopped, progress);
    }
}
