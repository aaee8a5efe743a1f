using Consortium.Server.Storage;
using Scalar.AspNetCore;

namespace Consortium.Server.Hosting;

public static class HealthAndReferenceEndpoints
{
    /// <summary>GET /healthz: 200 when PostgreSQL answers, 503 when it does not. Open to probes without sign-in.</summary>
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz").AllowAnonymous();
        // Which node leads each singleton, as PostgreSQL sees it (decision 0029): answered alike by every node.
        app.MapGet("/healthz/nodes", async (StorageSettings settings, ServerNode node, CancellationToken cancellationToken) =>
                TypedResults.Ok(new NodesView(node.Id, node.IsOneOfMany, await Leadership.LeadersAsync(settings, cancellationToken))))
            .AllowAnonymous()
            .ExcludeFromDescription();
        return app;
    }

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
