using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Consortium.Client;
using Consortium.Server.Access;
using Consortium.Server.Audit;
using Consortium.Server.Hosting;
using Consortium.Server.Identity;
using Consortium.Server.Storage;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;
using Npgsql;
using NpgsqlTypes;

namespace Consortium.Server.Annotations;

/// <summary>
/// Annotations as W3C Web Annotations (decision 0028): the JSON-LD representation of <c>GET /api/annotations/{id}</c>
/// (chosen by <c>Accept</c>), an investigation's annotations as a read-only Web Annotation Protocol container, and the
/// extension context. The mapping itself is the client library's <see cref="WebAnnotations"/>, which the mirror shares.
/// </summary>
public static class WebAnnotationEndpoints
{
    public const int PageSize = 100;
    private const string ReadOnly = "GET, HEAD, OPTIONS";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapWebAnnotations(this IEndpointRouteBuilder app)
    {
        // Vocabulary, not data: anyone may read it, as JSON-LD processors fetch contexts without credentials.
        app.MapGet("/" + WebAnnotations.ExtensionContextPath, (HttpContext http) =>
            TypedResults.Text(WebAnnotations.ExtensionContext(ServerOf(http)).ToJsonString(), "application/ld+json; charset=utf-8"))
            .WithTags("Annotations").AllowAnonymous();
        var container = app.MapGroup("/api/investigations/{investigationId:guid}/annotations").WithTags("Annotations").RequireAuthorization();
        container.MapMethods("/", [HttpMethods.Get, HttpMethods.Head], ReadContainer)
            .Produces(StatusCodes.Status200OK, contentType: WebAnnotations.MediaType);
        container.MapMethods("/", [HttpMethods.Options], (HttpContext http) =>
        {
            http.Response.Headers.Allow = ReadOnly;
            return TypedResults.NoContent();
        });
        return app;
    }

    /// <summary>Whether the caller asked for JSON-LD rather than plain JSON (<c>application/ld+json</c> preferred or equal).</summary>
    public static bool WantsJsonLd(HttpRequest request)
    {
        double Quality(string type) => request.GetTypedHeaders().Accept
            .Where(a => a.MediaType.Equals(type, StringComparison.OrdinalIgnoreCase))
            .Select(a => a.Quality ?? 1)
            .DefaultIfEmpty(-1)
            .Max();
        var ld = Quality("application/ld+json");
        return ld > 0 && ld >= Quality("application/json");
    }

    /// <summary>One annotation as a Web Annotation, with the protocol's headers for an annotation resource.</summary>
    public static ContentHttpResult Annotation(HttpContext http, AnnotationView annotation)
    {
        http.Response.Headers.Link = "<http://www.w3.org/ns/ldp#Resource>; rel=\"type\"";
        http.Response.Headers.Allow = ReadOnly + ", PATCH";
        return TypedResults.Text(WebAnnotations.Annotation(annotation, ServerOf(http)).ToJsonString(), WebAnnotations.MediaType);
    }

    /// <summary>Marks a representation chosen by <c>Accept</c>, whichever was chosen, so caches keep them apart.</summary>
    public static void VaryByAccept(HttpContext http) => http.Response.Headers.Vary = HeaderNames.Accept;

    public static Uri ServerOf(HttpContext http) => new($"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}/");

    private static async Task<Results<ContentHttpResult, StatusCodeHttpResult, NotFound<ProblemDetails>, BadRequest<ProblemDetails>>> ReadContainer(
        Guid investigationId, int? page, HttpContext http, AccessPolicy access, IQuerySession session, StorageSettings settings, AuditLog audit, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        if (await access.InvestigationAsync(user, investigationId, cancellationToken) is not { } granted)
        {
            return Problems.NotFound("investigation");
        }
        if (page is < 0)
        {
            return Problems.BadRequest("Bad page", "page is 0 or more.");
        }
        // The same rule as every list: the outlet's compartments and restrictions, then each annotation's visibility.
        var datasets = await session.Query<Dataset>().Where(d => d.InvestigationId == investigationId).ToListAsync(cancellationToken);
        var visible = datasets.Where(d => AccessPolicy.CanSee(user, d)).Select(d => d.Id).ToArray();
        var hiddenRecords = await access.HiddenRecordIdsAsync(user, visible, cancellationToken);
        var (total, items) = await ReadPageAsync(settings, user, visible, hiddenRecords, page ?? 0, cancellationToken);

        var server = ServerOf(http);
        var containerIri = new Uri(server, $"api/investigations/{investigationId}/annotations/").AbsoluteUri;
        var lastPage = Math.Max(0, (total - 1) / PageSize);
        string PageIri(long n) => $"{containerIri}?page={n.ToString(CultureInfo.InvariantCulture)}";
        JsonObject Page(long n)
        {
            var json = new JsonObject();
            if (page is not null)
            {
                json["@context"] = WebAnnotations.Context(server);
            }
            json["id"] = PageIri(n);
            json["type"] = "AnnotationPage";
            if (page is not null)
            {
                json["partOf"] = new JsonObject { ["id"] = containerIri, ["type"] = "AnnotationCollection", ["total"] = total };
            }
            json["startIndex"] = n * PageSize;
            if (n > 0)
            {
                json["prev"] = PageIri(n - 1);
            }
            if (n < lastPage)
            {
                json["next"] = PageIri(n + 1);
            }
            json["items"] = new JsonArray(items.Select(a => (JsonNode)WebAnnotations.Annotation(a.ToView(), server, withContext: false)).ToArray());
            return json;
        }
        // The container embeds its first page (the protocol's PreferContainedDescriptions, the only form served).
        var document = page is { } n ? Page(n) : new JsonObject
        {
            ["@context"] = WebAnnotations.Context(server),
            ["id"] = containerIri,
            ["type"] = new JsonArray("BasicContainer", "AnnotationCollection"),
            ["label"] = $"Annotations of {granted.Investigation.Name}",
            ["total"] = total,
            ["first"] = Page(0),
            ["last"] = PageIri(lastPage),
        };
        var body = document.ToJsonString();
        var etag = $"\"{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)))[..32]}\"";
        http.Response.Headers.ETag = etag;
        http.Response.Headers.Allow = ReadOnly;
        VaryByAccept(http);
        http.Response.Headers.Link = page is null
            ? "<http://www.w3.org/ns/ldp#BasicContainer>; rel=\"type\", <http://www.w3.org/TR/annotation-protocol/>; rel=\"http://www.w3.org/ns/ldp#constrainedBy\""
            : "<http://www.w3.org/ns/ldp#Resource>; rel=\"type\"";
        if (items.Count > 0)
        {
            // An investigation's annotations in bulk are a read like the changes feed's, audited the same way.
            await audit.RecordAsync(http, new AuditSubject(AuditActions.AnnotationsRead, investigationId, AuditTargets.Investigation, investigationId.ToString(),
                $"page {page ?? 0}, {items.Count} annotations"), cancellationToken);
        }
        if (http.Request.Headers.IfNoneMatch.Contains(etag))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }
        return TypedResults.Text(body, WebAnnotations.MediaType);
    }

    private static async Task<(long Total, List<Annotation> Items)> ReadPageAsync(
        StorageSettings settings, ConsortiumUser user, Guid[] datasets, Guid[] hiddenRecords, long page, CancellationToken cancellationToken)
    {
        var table = $"{settings.Schema}.mt_doc_annotation";
        var where = $"""
            a.dataset_id = any($1) and not (a.record_id = any($2)) and {AnnotationSql.VisibleTo("a", "$3", "$4")}
            """;
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        NpgsqlCommand Command(string sql, bool paged)
        {
            var command = new NpgsqlCommand(sql, connection)
            {
                Parameters =
                {
                    new() { Value = datasets, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                    new() { Value = hiddenRecords, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                    new() { Value = user.OutletId, NpgsqlDbType = NpgsqlDbType.Text },
                    new() { Value = user.UserId, NpgsqlDbType = NpgsqlDbType.Text },
                },
            };
            if (paged)
            {
                command.Parameters.Add(new() { Value = page * PageSize, NpgsqlDbType = NpgsqlDbType.Bigint });
                command.Parameters.Add(new() { Value = PageSize, NpgsqlDbType = NpgsqlDbType.Integer });
            }
            return command;
        }
        // One snapshot for the count and the page, so the total matches the items.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        await using var count = Command($"select count(*) from {table} a where {where}", paged: false);
        count.Transaction = transaction;
        var total = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        // In order of creation, the id breaking ties: a stable order for offsets.
        await using var read = Command($"select a.data::text from {table} a where {where} order by (a.data ->> 'createdAt')::timestamptz, a.id offset $5 limit $6", paged: true);
        read.Transaction = transaction;
        var items = new List<Annotation>(PageSize);
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                items.Add(JsonSerializer.Deserialize<Annotation>(reader.GetString(0), Json)!);
            }
        }
        await transaction.CommitAsync(cancellationToken);
        return (total, items);
    }
}
