using Consortium.Client;
using Consortium.Server.Hosting;
using Consortium.Server.Identity;
using Consortium.Server.Access;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Consortium.Server.Audit;

/// <summary>
/// GET /api/investigations/{id}/audit/anchor: the audit chain's newest position and hash, for a coordinator (of any
/// outlet) to keep outside the operator's reach. The chain is one for the whole platform, so the anchor covers every
/// investigation; it says how many actions were sealed and nothing about them.
/// </summary>
public static class PublishAuditAnchor
{
    public static RouteGroupBuilder MapAuditAnchor(this RouteGroupBuilder group)
    {
        group.MapGet("/anchor", GetAnchor);
        return group;
    }

    private static async Task<Results<Ok<AuditAnchor>, NotFound<ProblemDetails>, ProblemHttpResult>> GetAnchor(
        Guid investigationId, HttpContext http, AccessPolicy access, IQuerySession session, TimeProvider clock, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        if (await access.InvestigationAsync(user, investigationId, cancellationToken) is not { } granted)
        {
            return Problems.NotFound("investigation");
        }
        if (!Permissions.CanCoordinate(granted.Role))
        {
            return Problems.Forbidden("Coordinators only", "Only the investigation's coordinators can read the audit chain's anchor.");
        }
        var newest = await session.Query<AuditSeal>().OrderByDescending(s => s.Position).FirstOrDefaultAsync(cancellationToken);
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new AuditAnchor(newest?.Position ?? 0, newest?.Hash ?? AuditChain.GenesisHash, clock.GetUtcNow()));
    }
}
