using System.Security.Cryptography;
using Consortium.Client;
using Consortium.Server.Access;
using Consortium.Server.Audit;
using Consortium.Server.Hosting;
using Consortium.Server.Identity;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

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
                        $"evidence file of {size} bytes, SHA-256 {sha256[..16]}…{(created ? "" : " (held by the outlet already)")}"), ct),
                    cancellationToken);
                // The same answer whether or not another outlet holds these bytes already: a 200 for "held" told any
                // member which files other newsrooms have (issue 17, item 8). The file is the uploader's outlet's.
                return TypedResults.Created($"/api/investigations/{investigationId}/evidence/{sha256}", stored.File);
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
        // Citing is not enough: the outlet that holds the file must have cited it in this very verification (shared
        // it there). Knowing another outlet's hash and citing it in one's own verification opens nothing.
        if (cited is null || !await evidence.IsSharedAsync(found.Annotation.InvestigationId, annotationId, hash, cancellationToken))
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
