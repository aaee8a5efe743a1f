using Consortium.Client;
using Consortium.Server.Access;
using Consortium.Server.Audit;
using Consortium.Server.Hosting;
using Consortium.Server.Identity;
using Marten;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Consortium.Server.Records;

/// <summary>
/// Import jobs of a dataset: upload (the file is spooled, its header checked, a job queued), progress, cancel, resume.
/// Uploading, cancelling and resuming need the coordinator or editor role; anyone who sees the dataset sees its jobs.
/// </summary>
public static class ImportEndpoints
{
    public static RouteGroupBuilder MapImports(this RouteGroupBuilder group)
    {
        group.MapPost("/datasets/{id:guid}/imports", Upload)
            .Accepts<string>("text/csv", "application/x-ndjson", "application/jsonl", XlsxRowSource.MediaType)
            .WithMetadata(new RequestSizeLimitAttribute(ImportRecords.MaxRequestBytes));
        group.MapGet("/datasets/{id:guid}/imports", List);
        group.MapGet("/datasets/{id:guid}/imports/{jobId:guid}", Get);
        group.MapPost("/datasets/{id:guid}/imports/{jobId:guid}/cancel", Cancel);
        group.MapPost("/datasets/{id:guid}/imports/{jobId:guid}/resume", Resume);
        return group;
    }

    private static async Task<Results<Ok<ImportJobView>, Accepted<ImportJobView>, NotFound<ProblemDetails>, BadRequest<ProblemDetails>, Conflict<ProblemDetails>, ProblemHttpResult>> Upload(
        Guid id, HttpContext http, AccessPolicy access, IDocumentStore store, ImportSettings settings, ImportJobs jobs, AuditLog audit, TimeProvider clock,
        CancellationToken cancellationToken, bool wait = false)
    {
        if (await access.DatasetAsync(ConsortiumUser.From(http.User), id, cancellationToken) is not { } granted)
        {
            return Problems.NotFound("dataset");
        }
        if (!Permissions.CanManageData(granted.Role))
        {
            return Problems.Forbidden("Coordinators and editors import records.");
        }
        var mediaType = ImportRecords.MediaTypeOf(http.Request.ContentType);
        if (mediaType is not ("text/csv" or "application/x-ndjson" or "application/jsonl" or XlsxRowSource.MediaType))
        {
            return Problems.BadRequest("Unsupported file type", $"Send the file as text/csv, as JSON Lines (application/x-ndjson or application/jsonl), or as XLSX ({XlsxRowSource.MediaType}).");
        }
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = settings.MaxUploadBytes;
        }
        if (http.Request.ContentLength > settings.MaxUploadBytes)
        {
            return TooLarge(settings);
        }

        // The whole upload is stored first: the import then runs from a file the server holds, so it can be resumed
        // after a cancel or a restart, and a broken upload leaves nothing but a deleted file.
        var jobId = Guid.CreateVersion7();
        Directory.CreateDirectory(settings.SpoolDirectory);
        var path = Path.Combine(settings.SpoolDirectory, $"{jobId:N}.upload");
        long size;
        try
        {
            await using (var spool = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous))
            {
                await http.Request.Body.CopyToAsync(spool, cancellationToken);
                size = spool.Length;
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            File.Delete(path);
            return TooLarge(settings);
        }
        catch
        {
            File.Delete(path);
            throw;
        }

        var keep = false;
        try
        {
            var dataset = granted.Item;
            var expected = dataset.Columns.Count > 0 ? dataset.Columns : dataset.Schema?.Select(c => c.Name).ToArray() ?? [];
            string[] header;
            await using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024))
            await using (var source = ImportRecords.SourceFor(mediaType, file)!)
            {
                if (await source.ReadHeaderAsync(expected, cancellationToken) is { } unusable)
                {
                    return Problems.BadRequest(unusable.Title, unusable.Detail);
                }
                header = source.Header!;
            }
            var now = clock.GetUtcNow();
            var job = new ImportJob(jobId, id, granted.Investigation.Id, mediaType, path, size, ImportStates.Queued, 0, 0, 0, 0, 0, [], null,
                AuditActor.From(ConsortiumUser.From(http.User)), AuditOrigin.From(http), now, now);
            await using (var session = store.LightweightSession())
            {
                session.Insert(job);
                if (dataset.Columns.Count == 0)
                {
                    // The first file fixes the dataset's columns; a declared schema keeps its kinds, else they are inferred.
                    // Loaded in this session so that its version guards the write.
                    var current = (await session.LoadAsync<Dataset>(id, cancellationToken))!;
                    session.Store(current with { Columns = header, Schema = current.Schema ?? DatasetSchema.Infer(header) });
                }
                try
                {
                    await audit.SaveChangesWithEntryAsync(session, http, new AuditSubject(AuditActions.ImportStarted, granted.Investigation.Id, AuditTargets.Dataset, id.ToString(),
                        $"job {jobId}: {mediaType}, {size} bytes"), cancellationToken);
                }
                catch (Exception e) when (IsOneActiveImportViolation(e) || e is JasperFx.ConcurrencyException)
                {
                    return Busy();
                }
            }
            keep = true;
            jobs.Enqueue(jobId);
            if (!wait)
            {
                return TypedResults.Accepted($"/api/datasets/{id}/imports/{jobId}", job.ToView());
            }
            await jobs.WaitAsync(jobId, cancellationToken);
            // On several nodes another node may have taken the job's lease first (ImportLease): this node's wait then
            // ends at once, so the stored state decides when the job has stopped moving.
            while (true)
            {
                await using var query = store.QuerySession();
                var stored = (await query.LoadAsync<ImportJob>(jobId, cancellationToken))!;
                if (stored.State is not (ImportStates.Queued or ImportStates.Running))
                {
                    return TypedResults.Ok(stored.ToView());
                }
                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
            }
        }
        finally
        {
            if (!keep)
            {
                File.Delete(path);
            }
        }
    }

    private static async Task<Results<Ok<List<ImportJobView>>, NotFound<ProblemDetails>>> List(
        Guid id, HttpContext http, AccessPolicy access, IQuerySession session, CancellationToken cancellationToken)
    {
        if (await access.DatasetAsync(ConsortiumUser.From(http.User), id, cancellationToken) is null)
        {
            return Problems.NotFound("dataset");
        }
        var list = await session.Query<ImportJob>().Where(j => j.DatasetId == id).OrderByDescending(j => j.CreatedAt).Take(50).ToListAsync(cancellationToken);
        return TypedResults.Ok(list.Select(j => j.ToView()).ToList());
    }

    private static async Task<Results<Ok<ImportJobView>, NotFound<ProblemDetails>>> Get(
        Guid id, Guid jobId, HttpContext http, AccessPolicy access, IQuerySession session, CancellationToken cancellationToken)
    {
        if (await access.DatasetAsync(ConsortiumUser.From(http.User), id, cancellationToken) is null
            || await session.LoadAsync<ImportJob>(jobId, cancellationToken) is not { } job || job.DatasetId != id)
        {
            return Problems.NotFound("import");
        }
        return TypedResults.Ok(job.ToView());
    }

    /// <summary>
    /// The dataset and the import a coordinator or editor is about to <paramref name="verb"/>; otherwise what to answer:
    /// 404 for a dataset or import the caller cannot see, 403 for a role that does not manage data.
    /// </summary>
    private static async Task<(AccessPolicy.Access<Dataset> Granted, ImportJob Job, NotFound<ProblemDetails>? Missing, ProblemHttpResult? Forbidden)> ManagedJobAsync(
        Guid id, Guid jobId, HttpContext http, AccessPolicy access, IQuerySession session, string verb, CancellationToken cancellationToken)
    {
        if (await access.DatasetAsync(ConsortiumUser.From(http.User), id, cancellationToken) is not { } granted)
        {
            return (null!, null!, Problems.NotFound("dataset"), null);
        }
        if (await session.LoadAsync<ImportJob>(jobId, cancellationToken) is not { } job || job.DatasetId != id)
        {
            return (null!, null!, Problems.NotFound("import"), null);
        }
        return Permissions.CanManageData(granted.Role)
            ? (granted, job, null, null)
            : (null!, null!, null, Problems.Forbidden($"Coordinators and editors {verb} imports."));
    }

    private static async Task<Results<Accepted<ImportJobView>, NotFound<ProblemDetails>, Conflict<ProblemDetails>, ProblemHttpResult>> Cancel(
        Guid id, Guid jobId, HttpContext http, AccessPolicy access, IDocumentStore store, ImportJobs jobs, AuditLog audit, CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        var (granted, job, missing, forbidden) = await ManagedJobAsync(id, jobId, http, access, session, "cancel", cancellationToken);
        if (missing is not null || forbidden is not null)
        {
            return missing is not null ? missing : forbidden!;
        }
        if (!job.IsActive)
        {
            return Problems.Conflict("Import not running", $"The import is {job.State}; only a queued or running import can be cancelled.");
        }
        var subject = new AuditSubject(AuditActions.ImportCancelled, granted.Investigation.Id, AuditTargets.Dataset, id.ToString(), $"job {jobId}: after row {job.RowsRead}");
        if (jobs.RequestCancel(jobId))
        {
            // The runner stops after the batch it is writing and records the state with that batch's checkpoint.
            await audit.RecordAsync(http, subject, cancellationToken);
            return TypedResults.Accepted($"/api/datasets/{id}/imports/{jobId}", job.ToView());
        }
        // Not running in this process: another node runs it, which stops at its next batch, or its runner is gone and it
        // stops where it is. Either way the stored job is marked cancelled, at the checkpoint as last committed.
        if (await jobs.MarkCancelledAsync(session, jobId, cancellationToken) is not { } cancelled)
        {
            return Problems.Conflict("Import not running", "The import finished while it was being cancelled.");
        }
        await audit.SaveChangesWithEntryAsync(session, http, subject, cancellationToken);
        return TypedResults.Accepted($"/api/datasets/{id}/imports/{jobId}", cancelled.ToView());
    }

    private static async Task<Results<Ok<ImportJobView>, Accepted<ImportJobView>, NotFound<ProblemDetails>, Conflict<ProblemDetails>, ProblemHttpResult>> Resume(
        Guid id, Guid jobId, HttpContext http, AccessPolicy access, IDocumentStore store, ImportJobs jobs, AuditLog audit, TimeProvider clock,
        CancellationToken cancellationToken, bool wait = false)
    {
        await using var session = store.LightweightSession();
        var (granted, job, missing, forbidden) = await ManagedJobAsync(id, jobId, http, access, session, "resume", cancellationToken);
        if (missing is not null || forbidden is not null)
        {
            return missing is not null ? missing : forbidden!;
        }
        if (!job.CanResume)
        {
            return Problems.Conflict("Import not resumable", $"The import is {job.State}; only a cancelled or failed import can be resumed.");
        }
        if (!File.Exists(job.SpoolPath))
        {
            return Problems.Conflict("Upload no longer available", "The uploaded file is no longer on the server; upload it again (rows already stored are skipped as duplicates).");
        }
        var queued = job with { State = ImportStates.Queued, Failure = null, UpdatedAt = clock.GetUtcNow() };
        session.Store(queued);
        try
        {
            await audit.SaveChangesWithEntryAsync(session, http, new AuditSubject(AuditActions.ImportResumed, granted.Investigation.Id, AuditTargets.Dataset, id.ToString(),
                $"job {jobId}: after row {job.RowsRead}"), cancellationToken);
        }
        catch (Exception e) when (IsOneActiveImportViolation(e))
        {
            return Busy();
        }
        jobs.Enqueue(jobId);
        if (!wait)
        {
            return TypedResults.Accepted($"/api/datasets/{id}/imports/{jobId}", queued.ToView());
        }
        await jobs.WaitAsync(jobId, cancellationToken);
        await using var query = store.QuerySession();
        return TypedResults.Ok((await query.LoadAsync<ImportJob>(jobId, cancellationToken))!.ToView());
    }

    private static Conflict<ProblemDetails> Busy() =>
        Problems.Conflict("Another import is running", "Another import into this dataset is queued or running; nothing from this file was stored. Send it again when it has finished.");

    private static ProblemHttpResult TooLarge(ImportSettings settings) => TypedResults.Problem(new ProblemDetails
    {
        Title = "File too large",
        Status = StatusCodes.Status413PayloadTooLarge,
        Detail = $"Imports are limited to {settings.MaxUploadBytes / (1024 * 1024)} MB per file; nothing from this file was stored. Split the file.",
    });

    /// <summary>The unique index that allows one queued or running job per dataset refused a second one.</summary>
    private static bool IsOneActiveImportViolation(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } unique && unique.ConstraintName == ImportJobDocuments.OneActiveIndex)
            {
                return true;
            }
        }
        return false;
    }
}
