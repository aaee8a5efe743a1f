using Consortium.Server.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Scalar.AspNetCore;

namespace Consortium.Server.Hosting;

public static class HealthAndReferenceEndpoints
{
    /// <summary>GET /healthz: 200 when PostgreSQL answers, 503 when it does not. Open to probes without sign-in.</summary>
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz").AllowAnonymous();
        // Which node leads each singleton, as PostgreSQL sees it (decision 0029): answered alike by every node, to probes
        // and operators who reach the node itself. It names every node and what it leads, a map of the deployment for
        // an attacker, so a request that came through a proxy gets 404, whatever the proxy's own rules let through.
        app.MapGet("/healthz/nodes", async Task<Results<Ok<NodesView>, NotFound<ProblemDetails>>> (HttpContext http, StorageSettings settings, ServerNode node, CancellationToken cancellationToken) =>
                CameThroughProxy(http.Request)
                    ? TypedResults.NotFound(new ProblemDetails { Title = "No such page", Status = StatusCodes.Status404NotFound })
                    : TypedResults.Ok(new NodesView(node.Id, node.IsOneOfMany, await Leadership.LeadersAsync(settings, cancellationToken))))
            .AllowAnonymous()
            .ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// Whether a proxy passed the request on: it carries the client's address in <c>X-Forwarded-For</c> or <c>Forwarded</c>
    /// (every proxy of deploy/ sets one, ingress-nginx too), or in <c>X-Original-For</c> once the forwarded-headers
    /// middleware has taken the first in. A client cannot remove what its proxy adds.
    /// </summary>
    public static bool CameThroughProxy(HttpRequest request) =>
        request.Headers.ContainsKey("X-Forwarded-For") || request.Headers.ContainsKey("Forwarded") || request.Headers.ContainsKey("X-Original-For");

    /// <summary>The OpenAPI document at /openapi/v1.json and a reference page at /scalar.</summary>
    public static IEndpointRouteBuilder MapApiReference(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi().AllowAnonymous();
        app.MapScalarApiReference(options => options
            .WithTitle("Consortium API")
            // The CSP and our promise of no third-party requests both rule out web fonts from a CDN.
            .DisableDefaultFonts())
            .AllowAnonymous();
        return app;
    }
}

/// <summary>The answering node, whether it runs as one of several, and the node leading each singleton (null: none now).</summary>
public sealed record NodesView(string Node, bool Clustered, IReadOnlyDictionary<string, string?> Leaders);
