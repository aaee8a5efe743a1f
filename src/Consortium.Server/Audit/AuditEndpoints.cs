using Consortium.Client;
using Consortium.Server.Access;
using Consortium.Server.Hosting;
using Consortium.Server.Identity;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Consortium.Server.Audit;

public static class AuditEndpoints
{
    private const int MaxPageSize = 500;

    public static IEndpointRouteBuilder MapAudit(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/investigations/{investigationId:guid}/audit").WithTags("Audit").RequireAuthorization();
        group.MapGet("/", ListAuditEntries);
        group.MapAuditAnchor();
        return app;
    }

    // Newest first: the coordinators' screen opens on what just happened. "after" continues below the given index.
    private static async Task<Results<Ok<AuditPage>, NotFound<ProblemDetails>, ProblemHttpResult, BadRequest<ProblemDetails>>> ListAuditEntries(
        Guid investigationId, HttpContext http, AccessPolicy access, IQuerySession session, [FromServices] IEnumerable<IAuditTargetAccess> targetAccess,
        CancellationToken cancellationToken,
        string? action = null, string? actor = null, DateTimeOffset? from = null, DateTimeOffset? to = null, long? after = null, int limit = 100)
    {
        if (limit is < 1 or > MaxPageSize)
        {
            return Problems.BadRequest("Invalid page size", $"limit must be between 1 and {MaxPageSize}.");
        }
        var user = ConsortiumUser.From(http.User);
        if (await access.InvestigationAsync(user, investigationId, cancellationToken) is not { } granted)
        {
            return Problems.NotFound("investigation");
        }
        if (!Permissions.CanCoordinate(granted.Role))
        {
            // A member knows the investigation exists, so hiding it behind a 404 would only confuse.
            return Problems.Forbidden("Coordinators only", "Only the investigation's coordinators can read its audit log.");
        }

        var query = session.Query<AuditEntry>().Where(e => e.InvestigationId == investigationId);
        if (after is { } cursor)
        {
            query = query.Where(e => e.Index < cursor);
        }
        if (!string.IsNullOrEmpty(action))
        {
            query = query.Where(e => e.Action == action);
        }
        if (!string.IsNullOrEmpty(actor))
        {
            query = query.Where(e => e.ActorUserId == actor);
        }
        if (from is { } start)
        {
            query = query.Where(e => e.At >= start);
        }
        if (to is { } end)
        {
            query = query.Where(e => e.At < end);
        }
        // One row more than asked tells whether an older page exists without counting.
        var rows = await query.OrderByDescending(e => e.Index).Take(limit + 1).ToListAsync(cancellationToken);
        // Seals are rows of their own (the sealer adds them later); an entry without one is shown with null hashes.
        var numbers = rows.Take(limit).Select(e => e.Index).ToArray();
        var seals = (await session.Query<AuditSeal>().Where(s => s.Entry.IsOneOf(numbers)).ToListAsync(cancellationToken)).ToDictionary(s => s.Entry);
        var page = await AuditReaderView.ForReaderAsync(rows.Take(limit).Select(e => e.ToView(seals.GetValueOrDefault(e.Index))).ToList(), user, session, targetAccess, cancellationToken);
        return TypedResults.Ok(new AuditPage(page, rows.Count > limit ? page[^1].Index : null));
    }
}
