using System.Collections.Concurrent;
using System.Threading.Channels;
using Consortium.Client;
using Consortium.Server.Access;
using Consortium.Server.Audit;
using Consortium.Server.LiveUpdates;
using Consortium.Server.Storage;
using Marten;
using Npgsql;

namespace Consortium.Server.Records;

/// <summary>
/// Runs import jobs in the background, each from its spooled file, and picks up at start-up the jobs a stopped server
/// left queued or running: they continue from their checkpoint, since every committed batch carried it.
/// </summary>
public sealed class ImportJobs(
    IDocumentStore store, StorageSettings storage, ImportSettings settings, AuditLog audit,
    ILiveAnnouncer live, TimeProvider clock, ServerNode node, ILogger<ImportJobs> logger) : BackgroundService
{
    // Two at once at most: a 2-core server writes one import at full speed, and a second only queues behind it.
    private readonly SemaphoreSlim slots = new(2);
    private readonly Channel<Guid> queue = Channel.CreateUnbounded<Guid>();
    private readonly ConcurrentDictionary<Guid, Running> running = new();

    private sealed class Running
    {
        public CancellationTokenSource Cancel { get; } = new();

        public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Hands a stored, queued job to the runner.</summary>
    public void Enqueue(Guid jobId)
    {
        running.GetOrAdd(jobId, _ => new Running());
        queue.Writer.TryWrite(jobId);
    }

    /// <summary>Completes when the job stops moving in this process (completed, cancelled, failed, or the server stops).</summary>
    public Task WaitAsync(Guid jobId, CancellationToken cancellationToken) =>
        running.TryGetValue(jobId, out var job) ? job.Finished.Task.WaitAsync(cancellationToken) : Task.CompletedTask;

    /// <summary>Asks a queued or running job to stop after its current batch; false when this process is not running it.</summary>
    public bool RequestCancel(Guid jobId)
    {
        if (!running.TryGetValue(jobId, out var job))
        {
            return false;
        }
        job.Cancel.Cancel();
        return true;
    }

    /// <summary>
    /// Cancels a job that no runner of this process holds: on several nodes, one that another node is running (or a dead
    /// node left). Marks the stored job cancelled under its row's lock, with the checkpoint as last committed, in the
    /// transaction of <paramref name="session"/> (the caller commits, with its audit entry). The node running the job
    /// reads that mark with its next batch and stops there (<see cref="JobCheckpoint"/>). Null when the job is no longer
    /// queued or running.
    /// </summary>
    public async Task<ImportJob?> MarkCancelledAsync(IDocumentSession session, Guid jobId, CancellationToken cancellationToken)
    {
        await session.BeginTransactionAsync(cancellationToken);
        if (await LoadLockedAsync(session, jobId, cancellationToken) is not { IsActive: true } current)
        {
            return null;
        }
        var cancelled = current with { State = ImportStates.Cancelled, UpdatedAt = clock.GetUtcNow() };
        session.Store(cancelled);
        return cancelled;
    }

    /// <summary>
    /// The stored job, its row locked until the session's transaction ends. Every write of a job's state that another
    /// node may race reads it so: a cancel marked elsewhere is either committed before the read, and seen, or waits for
    /// the writer's commit and then keeps its checkpoint.
    /// </summary>
    private async Task<ImportJob?> LoadLockedAsync(IQuerySession session, Guid jobId, CancellationToken cancellationToken) =>
        (await session.AdvancedSql.QueryAsync<LockedJob>(LockedJobSql, cancellationToken, jobId)).SingleOrDefault()?.Job;

    private string LockedJobSql => field ??= $"select jsonb_build_object('job', j.data) as data from {storage.Schema}.mt_doc_importjob j where j.id = ? for update";

    /// <summary>What <see cref="LoadLockedAsync"/> reads: the document as Marten stores it.</summary>
    public sealed record LockedJob(ImportJob Job);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using (var session = store.QuerySession())
        {
            var left = await session.Query<ImportJob>()
                .Where(j => j.State == ImportStates.Queued || j.State == ImportStates.Running)
                .OrderBy(j => j.CreatedAt)
                .ToListAsync(stoppingToken);
            foreach (var job in left)
            {
                logger.LogInformation("Import {Job} into dataset {Dataset} was {State} when the server stopped; it continues after row {Row}", job.Id, job.DatasetId, job.State, job.RowsRead);
                Enqueue(job.Id);
            }
        }
        var tasks = new List<Task> { SweepSpoolAsync(stoppingToken) };
        if (node.IsOneOfMany)
        {
            // Jobs of a node that died are resumed here (ImportLease).
            tasks.Add(ImportLease.WatchAsync(store, running.ContainsKey, Enqueue, logger, stoppingToken));
        }
        try
        {
            await foreach (var jobId in queue.Reader.ReadAllAsync(stoppingToken))
            {
                await slots.WaitAsync(stoppingToken);
                tasks.RemoveAll(t => t.IsCompleted);
                tasks.Add(Task.Run(async () =>
                {
                    try
                    {
                        await RunAsync(jobId, stoppingToken);
                    }
                    finally
                    {
                        slots.Release();
                        if (running.TryRemove(jobId, out var done))
                        {
                            done.Finished.TrySetResult();
                            done.Cancel.Dispose();
                        }
                    }
                }, CancellationToken.None));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The server stops: running batches roll back, their jobs stay "running" and resume at the next start.
        }
        await Task.WhenAll(tasks);
    }

    /// <summary>One job: mark it running, open its file, write its batches with the job's checkpoint, then complete or cancel it.</summary>
    private async Task RunAsync(Guid jobId, CancellationToken stoppingToken)
    {
        var cancel = running.TryGetValue(jobId, out var entry) ? entry.Cancel.Token : CancellationToken.None;
        ImportJob? job = null;
        try
        {
            // On several nodes, only the node holding the job's lease runs it.
            await using var lease = await ImportLease.TakeAsync(storage, node, jobId, stoppingToken);
            if (lease is null)
            {
                return;
            }
            job = await BeginAsync(jobId, cancel, stoppingToken);
            if (job is null)
            {
                return;
            }
            var dataset = await LoadDatasetAsync(job.DatasetId, stoppingToken);
            if (dataset is null)
            {
                await FailAsync(job, "The dataset no longer exists.", stoppingToken);
                // Failed for good: nothing to resume into.
                TryDelete(job.SpoolPath);
                return;
            }
            await using var file = new FileStream(job.SpoolPath, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.SequentialScan);
            await using var source = ImportRecords.SourceFor(job.MediaType, file)!;
            if (await source.ReadHeaderAsync(dataset.Columns, stoppingToken) is { } unusable)
            {
                await FailAsync(job, $"{unusable.Title}: {unusable.Detail}", stoppingToken);
                // Failed for good: the same file would fail the same way on resume.
                TryDelete(job.SpoolPath);
                return;
            }
            var checkpoint = new JobCheckpoint(this, job, stoppingToken);
            var pipeline = new ImportPipeline(store, storage, dataset, source, checkpoint) { BatchSize = settings.BatchSize, Writers = settings.Writers };
            var (ending, _) = await pipeline.RunAsync(checkpoint.From, cancel, stoppingToken);
            if (ending == ImportEnding.Completed)
            {
                await CompleteAsync(job, stoppingToken);
            }
            else
            {
                await SetStateAsync(checkpoint.Job with { State = ImportStates.Cancelled }, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown: the batch in flight rolled back; the job resumes from its checkpoint at the next start.
        }
        catch (Exception e) when (job is not null)
        {
            logger.LogError(e, "Import {Job} into dataset {Dataset} failed", job.Id, job.DatasetId);
            // The job as last committed: its checkpoint matches the rows stored.
            var committed = await ReloadAsync(job.Id) ?? job;
            await FailAsync(committed, e is IOException or FileNotFoundException ? "The uploaded file could not be read again." : "The database refused a batch; the rows before it are stored.", CancellationToken.None);
        }
    }

    /// <summary>Marks a queued job running (or cancelled, when asked before it started); null when there is nothing to run.</summary>
    private async Task<ImportJob?> BeginAsync(Guid jobId, CancellationToken cancel, CancellationToken stoppingToken)
    {
        ImportJob? job;
        await using (var session = store.LightweightSession())
        {
            // Under the row's lock: a cancel marked on another node in the meantime is not overwritten.
            await session.BeginTransactionAsync(stoppingToken);
            job = await LoadLockedAsync(session, jobId, stoppingToken);
            if (job is null || !job.IsActive)
            {
                return null;
            }
            // Cancelled here before it started: it ends now, in this transaction (the row is locked by it).
            job = job with { State = cancel.IsCancellationRequested ? ImportStates.Cancelled : ImportStates.Running, UpdatedAt = clock.GetUtcNow() };
            session.Store(job);
            await session.SaveChangesAsync(stoppingToken);
        }
        Announce(job);
        return job.State == ImportStates.Running ? job : null;
    }

    /// <summary>The file was read to its end (the job's state and audit entry committed with the last batch).</summary>
    private async Task CompleteAsync(ImportJob job, CancellationToken stoppingToken)
    {
        TryDelete(job.SpoolPath);
        // The facet counts of the dataset page are built now rather than by the first search after the import;
        // the import itself is committed, so a failure here only leaves that work to the first search.
        try
        {
            await RecordFacetSummary.RefreshAsync(storage, job.DatasetId, stoppingToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            logger.LogWarning(e, "The facet summary of dataset {Dataset} was not rebuilt after its import", job.DatasetId);
        }
    }

    /// <summary>The job's side of each batch: its checkpoint and counts commit with the batch; its progress is pushed after.</summary>
    private sealed class JobCheckpoint(ImportJobs jobs, ImportJob job, CancellationToken stoppingToken) : IImportCheckpoint
    {
        /// <summary>The job as of the last batch written.</summary>
        public ImportJob Job { get; private set; } = job;

        public ImportProgress From { get; } = new(job.RowsRead, job.BytesRead, job.Imported, job.Duplicates, job.Rejected, job.Errors);

        public async Task WithinBatchAsync(IDocumentSession session, NpgsqlTransaction transaction, ImportProgress progress, bool last)
        {
            // A cancel that reached a node not running this job marked it cancelled (MarkCancelledAsync): this batch
            // commits with that state and the job stops after the batches in flight, as after a cancel here. One that
            // comes with the last batch is too late, as here: the import completes.
            var cancelledElsewhere = !last && await jobs.LoadLockedAsync(session, Job.Id, stoppingToken) is { State: ImportStates.Cancelled };
            Job = jobs.With(Job, progress, last ? ImportStates.Completed : cancelledElsewhere ? ImportStates.Cancelled : ImportStates.Running);
            session.Store(Job);
            if (cancelledElsewhere)
            {
                jobs.RequestCancel(Job.Id);
            }
            if (last)
            {
                // The import's entry commits with its last batch: no entry without the rows, no rows without one.
                await jobs.AuditImportedAsync(transaction, Job, stoppingToken);
            }
        }

        public Task AfterBatchAsync(ImportProgress progress)
        {
            jobs.Announce(Job);
            return Task.CompletedTask;
        }
    }

    private ImportJob With(ImportJob job, ImportProgress progress, string state) => job with
    {
        State = state,
        RowsRead = progress.RowsRead,
        BytesRead = state == ImportStates.Completed ? job.TotalBytes : Math.Min(progress.BytesRead, job.TotalBytes),
        Imported = progress.Imported,
        Duplicates = progress.Duplicates,
        Rejected = progress.Rejected,
        Errors = progress.Errors,
        UpdatedAt = clock.GetUtcNow(),
    };

    private async Task AuditImportedAsync(NpgsqlTransaction transaction, ImportJob job, CancellationToken cancellationToken) =>
        await audit.AppendWithinAsync(transaction, job.StartedBy, job.Origin,
            new AuditSubject(AuditActions.RecordsImported, job.InvestigationId, AuditTargets.Dataset, job.DatasetId.ToString(), $"job {job.Id}: {job.Summary}"),
            cancellationToken);

    private async Task<Dataset?> LoadDatasetAsync(Guid datasetId, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<Dataset>(datasetId, cancellationToken);
    }

    private async Task<ImportJob?> ReloadAsync(Guid jobId)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<ImportJob>(jobId);
    }

    private async Task SetStateAsync(ImportJob job, CancellationToken cancellationToken)
    {
        var updated = job with { UpdatedAt = clock.GetUtcNow() };
        await using var session = store.LightweightSession();
        session.Store(updated);
        await session.SaveChangesAsync(cancellationToken);
        Announce(updated);
    }

    private async Task FailAsync(ImportJob job, string reason, CancellationToken cancellationToken)
    {
        var failed = job with { State = ImportStates.Failed, Failure = reason, UpdatedAt = clock.GetUtcNow() };
        await using var session = store.LightweightSession();
        session.Store(failed);
        await audit.SaveChangesWithEntryAsync(session, failed.StartedBy, failed.Origin,
            new AuditSubject(AuditActions.ImportFailed, failed.InvestigationId, AuditTargets.Dataset, failed.DatasetId.ToString(), $"job {failed.Id}: {failed.Summary}; {reason}"),
            cancellationToken);
        Announce(failed);
    }

    /// <summary>Progress is a courtesy: the job's state is in the database whatever happens to a push.</summary>
    private void Announce(ImportJob job)
    {
        var progress = job.ToProgress();
        live.Announce(new LiveAnnouncement([LiveGroups.Dataset(job.DatasetId)], c => c.ImportProgress(progress), $"import progress of job {job.Id}"));
    }

    private void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning(e, "Could not delete the spooled upload {Path}", path);
        }
    }

    /// <summary>
    /// Deletes uploads that no job knows, once older than the retention: a server stopped after storing an upload and
    /// before queueing its job, or in the middle of receiving it, leaves one behind. The age keeps an upload still being
    /// received (its job not yet written) out of reach; files not named like an upload are not ours and stay.
    /// </summary>
    private async Task DeleteOrphansAsync(IQuerySession session, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(settings.SpoolDirectory))
        {
            return;
        }
        var old = new Dictionary<Guid, string>();
        foreach (var path in Directory.EnumerateFiles(settings.SpoolDirectory, "*.upload"))
        {
            if (Guid.TryParseExact(Path.GetFileNameWithoutExtension(path), "N", out var id) && File.GetLastWriteTimeUtc(path) < cutoff.UtcDateTime)
            {
                old[id] = path;
            }
        }
        if (old.Count == 0)
        {
            return;
        }
        var ids = old.Keys.ToArray();
        var known = (await session.Query<ImportJob>().Where(j => j.Id.IsOneOf(ids)).Select(j => j.Id).ToListAsync(cancellationToken)).ToHashSet();
        foreach (var path in old.Where(o => !known.Contains(o.Key)).Select(o => o.Value))
        {
            logger.LogInformation("Deleting the upload {Path}: no import job has it (the server stopped before queueing it)", path);
            TryDelete(path);
        }
    }

    /// <summary>
    /// Deletes the uploads of jobs cancelled or failed longer than <see cref="ImportSettings.SpoolRetention"/> ago and
    /// not resumed since (a resume makes the job queued again): at start-up, then every quarter of the retention (at
    /// most hourly). A resume after that answers 409 and asks for the file again; its stored rows are skipped as duplicates.
    /// </summary>
    private async Task SweepSpoolAsync(CancellationToken stoppingToken)
    {
        var every = TimeSpan.FromTicks(Math.Clamp(settings.SpoolRetention.Ticks / 4, TimeSpan.FromSeconds(1).Ticks, TimeSpan.FromHours(1).Ticks));
        using var timer = new PeriodicTimer(every, clock);
        try
        {
            do
            {
                try
                {
                    var cutoff = clock.GetUtcNow() - settings.SpoolRetention;
                    await using var session = store.QuerySession();
                    var stale = await session.Query<ImportJob>()
                        .Where(j => (j.State == ImportStates.Cancelled || j.State == ImportStates.Failed) && j.UpdatedAt < cutoff)
                        .Select(j => j.SpoolPath)
                        .ToListAsync(stoppingToken);
                    foreach (var path in stale.Where(File.Exists))
                    {
                        logger.LogInformation("Deleting the upload {Path} of an import cancelled or failed before {Cutoff} and not resumed", path, cutoff);
                        TryDelete(path);
                    }
                    await DeleteOrphansAsync(session, cutoff, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The next sweep tries again; a kept file costs disk space only.
                    logger.LogWarning(e, "Sweeping the import spool folder failed");
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The server stops.
        }
    }
}

public static class ImportRegistration
{
    /// <summary>Import jobs: the spool folder's settings and the background runner that also resumes jobs at start-up.</summary>
    public static WebApplicationBuilder AddRecordImports(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(ImportSettings.From(builder.Configuration));
        builder.Services.AddSingleton<ImportJobs>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ImportJobs>());
        return builder;
    }
}
