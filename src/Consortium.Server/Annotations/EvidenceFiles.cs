using System.Data;
using System.Security.Cryptography;
using Consortium.Client;
using Consortium.Server.Access;
using Consortium.Server.Audit;
using Consortium.Server.Hosting;
using Consortium.Server.Identity;
using Consortium.Server.Storage;
using Marten;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Consortium.Server.Annotations;

/// <summary>How large one evidence file may be (<c>Evidence:MaxUploadBytes</c>, default 64 MB).</summary>
public sealed record EvidenceSettings(long MaxUploadBytes)
{
    public const long DefaultMaxUploadBytes = 64L * 1024 * 1024;

    public static EvidenceSettings From(IConfiguration configuration) =>
        new(configuration.GetValue("Evidence:MaxUploadBytes", DefaultMaxUploadBytes));
}

/// <summary>
/// Evidence files of verifications (a forensic tool's report, an extraction): uploaded into an investigation, stored
/// by their SHA-256, and downloadable only through a verification that cites them, by whoever may read that
/// verification. See docs/decisions/0016-evidence-files.md.
/// </summary>
/// <remarks>
/// Content-addressed so that a verification's evidence list (name, SHA-256, size) is itself the proof of which bytes
/// were meant: a file cannot be swapped under a verification that cites it. Stored in PostgreSQL, beside the
/// annotations, so a backup of the database holds the evidence too and nothing sits unencrypted in a folder.
/// </remarks>
public static class EvidenceFiles
{
    public static WebApplicationBuilder AddEvidenceFiles(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(EvidenceSettings.From(builder.Configuration));
        builder.Services.AddSingleton<EvidenceStore>();
        builder.Services.AddHostedService<EvidenceSchema>();
        return builder;
    }

    public static IEndpointRouteBuilder MapEvidenceFiles(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/investigations/{investigationId:guid}/evidence").WithTags("Annotations").RequireAuthorization()
            .MapPost("/", Upload)
            .Accepts<Stream>("application/octet-stream")
            // The real limit is set per request from the settings; this lifts Kestrel's small default for the route.
            .WithMetadata(new RequestSizeLimitAttribute(long.MaxValue));
        app.MapGroup("/api/annotations/{annotationId:guid}/evidence").WithTags("Annotations").RequireAuthorization()
            .MapGet("/{sha256}", Download)
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream");
        return app;
    }

    private static async Task<Results<Created<EvidenceFileView>, Ok<EvidenceFileView>, NotFound<ProblemDetails>, ProblemHttpResult>> Upload(
        Guid investigationId, HttpContext http, AccessPolicy access, EvidenceStore evidence, EvidenceSettings settings, AuditLog audit,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        if (await access.InvestigationAsync(user, investigationId, cancellationToken) is not { } granted)
        {
            return Problems.NotFound("investigation");
        }
        if (!Permissions.CanAnnotate(granted.Role))
        {
            return Problems.Forbidden("Read-only members and sync clients cannot add evidence.");
        }
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = settings.MaxUploadBytes;
        }
        if (http.Request.ContentLength > settings.MaxUploadBytes)
        {
            return TooLarge(settings);
        }
        // Spooled to a temporary file while hashing: the hash names the file, and memory stays flat whatever its size.
        var spool = Path.Combine(Path.GetTempPath(), $"consortium-evidence-{Guid.NewGuid():N}");
        try
        {
            string sha256;
            long size;
            await using (var file = new FileStream(spool, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 64 * 1024, FileOptions.Asynchronous | FileOptions.DeleteOnClose))
            {
                try
                {
                    using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                    var buffer = new byte[64 * 1024];
                    int read;
                    while ((read = await http.Request.Body.ReadAsync(buffer, cancellationToken)) > 0)
                    {
                        hash.AppendData(buffer, 0, read);
                        await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    }
                    sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
                    size = file.Length;
                }
                catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
                {
                    return TooLarge(settings);
                }
                if (size == 0)
                {
                    return TypedResults.Problem(new ProblemDetails
                    {
                        Type = "https://tools.ietf.org/html/rfc9110#section-15.5.1",
                        Title = "Empty evidence file",
                        Status = StatusCodes.Status400BadRequest,
                        Detail = "The body held no bytes; send the file itself as the request body.",
                    });
                }
                file.Position = 0;
                var stored = await evidence.StoreAsync(investigationId, sha256, size, file, user, clock.GetUtcNow(),
                    (transaction, created, ct) => audit.AppendWithinAsync(transaction, http, new AuditSubject(AuditActions.EvidenceUploaded, investigationId,
                        AuditTargets.Investigation, investigationId.ToString(),
                        $"evidence file of {size} bytes, SHA-256 {sha256[..16]}…{(created ? "" : " (held already: nothing new stored)")}"), ct),
                    cancellationToken);
                return stored.Created
                    ? TypedResults.Created($"/api/investigations/{investigationId}/evidence/{sha256}", stored.File)
                    : TypedResults.Ok(stored.File);
            }
        }
        finally
        {
            File.Delete(spool);
        }
    }

    private static async Task<Results<EmptyHttpResult, NotFound<ProblemDetails>>> Download(
        Guid annotationId, string sha256, HttpContext http, AnnotationChanges changes, EvidenceStore evidence, AuditLog audit,
        CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        var hash = sha256.ToLowerInvariant();
        // Only through a verification the caller may read, that cites the file: knowing a hash opens nothing by itself.
        if (await changes.LoadVisibleAsync(user, annotationId, cancellationToken) is not { } found)
        {
            return Problems.NotFound("annotation");
        }
        var cited = found.Annotation.Verification?.Evidence?.FirstOrDefault(e => e.Sha256 == hash);
        if (cited is null || !await evidence.ExistsAsync(found.Annotation.InvestigationId, hash, cancellationToken))
        {
            return Problems.NotFound("evidence file");
        }
        await audit.RecordAsync(http, new AuditSubject(AuditActions.EvidenceDownloaded, found.Annotation.InvestigationId, AuditTargets.Annotation,
            // Not the file's name: like a note's text, it must not reach a coordinator who may not read this verification.
            annotationId.ToString(), $"evidence file, SHA-256 {hash[..16]}…"), cancellationToken);
        var response = http.Response;
        // Evidence may be hostile (it came off a targeted phone): always a download, never rendered by the browser.
        response.ContentType = "application/octet-stream";
        response.Headers.ContentDisposition = new System.Net.Http.Headers.ContentDispositionHeaderValue("attachment")
        {
            FileNameStar = Path.GetFileName(cited.Name.Replace('\\', '/')) is { Length: > 0 } name ? name : hash,
        }.ToString();
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.ContentSecurityPolicy = "sandbox";
        await evidence.CopyToAsync(found.Annotation.InvestigationId, hash, response, cancellationToken);
        return TypedResults.Empty;
    }

    private static ProblemHttpResult TooLarge(EvidenceSettings settings) => TypedResults.Problem(new ProblemDetails
    {
        Title = "File too large",
        Status = StatusCodes.Status413PayloadTooLarge,
        Detail = $"Evidence files are limited to {settings.MaxUploadBytes / (1024 * 1024)} MB; nothing was stored.",
    });
}

/// <summary>The evidence table: one row per (investigation, SHA-256), the bytes stored uncompressed (they rarely compress).</summary>
public sealed class EvidenceStore(StorageSettings settings)
{
    private readonly string table = $"\"{settings.Schema.Replace("\"", "\"\"", StringComparison.Ordinal)}\".evidence_file";

    public string Table => table;

    public sealed record Stored(EvidenceFileView File, bool Created);

    /// <summary>Stores the file unless the investigation holds it already; the audit entry commits with it.</summary>
    public async Task<Stored> StoreAsync(Guid investigationId, string sha256, long size, Stream content, ConsortiumUser user, DateTimeOffset now,
        Func<NpgsqlTransaction, bool, CancellationToken, Task> audit, CancellationToken cancellationToken)
    {
        // PostgreSQL keeps microseconds: the instant answered now is the one read back later.
        now = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerMicrosecond, TimeSpan.Zero);
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var insert = new NpgsqlCommand($"""
            insert into {table} (investigation_id, sha256, size, content, uploaded_by, uploaded_at)
            values ($1, $2, $3, $4, $5, $6)
            on conflict (investigation_id, sha256) do nothing
            """, connection, transaction);
        insert.Parameters.Add(new() { Value = investigationId });
        insert.Parameters.Add(new() { Value = sha256 });
        insert.Parameters.Add(new() { Value = size });
        insert.Parameters.Add(new() { Value = content, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bytea, Size = checked((int)size) });
        insert.Parameters.Add(new() { Value = user.UserId });
        insert.Parameters.Add(new() { Value = now });
        var created = await insert.ExecuteNonQueryAsync(cancellationToken) == 1;
        await audit(transaction, created, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new(created ? new EvidenceFileView(sha256, size, now) : (await FindAsync(investigationId, sha256, cancellationToken))!, created);
    }

    /// <summary>The sizes of those of <paramref name="hashes"/> that the investigation holds.</summary>
    public async Task<IReadOnlyDictionary<string, long>> SizesAsync(Guid investigationId, IEnumerable<string> hashes, CancellationToken cancellationToken)
    {
        var wanted = hashes.Select(h => h.ToLowerInvariant()).Distinct().ToArray();
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        if (wanted.Length == 0)
        {
            return sizes;
        }
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"select sha256, size from {table} where investigation_id = $1 and sha256 = any($2)", connection);
        command.Parameters.Add(new() { Value = investigationId });
        command.Parameters.Add(new() { Value = wanted });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            sizes[reader.GetString(0)] = reader.GetInt64(1);
        }
        return sizes;
    }

    public async Task<bool> ExistsAsync(Guid investigationId, string sha256, CancellationToken cancellationToken) =>
        await FindAsync(investigationId, sha256, cancellationToken) is not null;

    private async Task<EvidenceFileView?> FindAsync(Guid investigationId, string sha256, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"select size, uploaded_at from {table} where investigation_id = $1 and sha256 = $2", connection);
        command.Parameters.Add(new() { Value = investigationId });
        command.Parameters.Add(new() { Value = sha256 });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new EvidenceFileView(sha256, reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1))
            : null;
    }

    /// <summary>Streams the bytes into the response without holding the whole file in memory.</summary>
    public async Task CopyToAsync(Guid investigationId, string sha256, HttpResponse response, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"select size, content from {table} where investigation_id = $1 and sha256 = $2", connection);
        command.Parameters.Add(new() { Value = investigationId });
        command.Parameters.Add(new() { Value = sha256 });
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return;
        }
        response.ContentLength = reader.GetInt64(0);
        await using var content = await reader.GetStreamAsync(1, cancellationToken);
        await content.CopyToAsync(response.Body, cancellationToken);
    }
}

/// <summary>Creates the evidence table at start-up, idempotently (Marten does not model raw byte columns well).</summary>
public sealed class EvidenceSchema(IDocumentStore store, StorageSettings settings, EvidenceStore evidence) : IHostedService
{
    // "Evid" in ASCII: servers starting at once against one database create the table one after the other.
    private const long SchemaLockKey = 0x45766964;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var statement in new[]
        {
            $"select pg_advisory_xact_lock({SchemaLockKey})",
            $"""
            create table if not exists {evidence.Table} (
              investigation_id uuid not null,
              sha256 text not null,
              size bigint not null,
              content bytea not null,
              uploaded_by text not null,
              uploaded_at timestamptz not null,
              primary key (investigation_id, sha256))
            """,
            // Forensic outputs are mostly compressed archives already: compressing again costs CPU for nothing.
            $"alter table {evidence.Table} alter column content set storage external",
        })
        {
            await using var command = new NpgsqlCommand(statement, connection, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
