using Consortium.Client;
using Consortium.Server.Access;
using Consortium.Server.Audit;
using Consortium.Server.Hosting;
using Consortium.Server.Identity;
using Consortium.Server.Records;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Consortium.Server.Investigations;

public static class InvestigationEndpoints
{
    public static IEndpointRouteBuilder MapInvestigations(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/investigations").WithTags("Investigations").RequireAuthorization();
        group.MapGet("/", ListInvestigations);
        group.MapPost("/", CreateInvestigation);
        group.MapGet("/{id:guid}", GetInvestigation);
        return app;
    }

    private static async Task<Ok<List<InvestigationView>>> ListInvestigations(HttpContext http, IQuerySession session, TimeProvider clock, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        var now = clock.GetUtcNow();
        var investigations = (await session.Query<Investigation>()
            .Where(i => i.MemberOutletIds.Contains(user.OutletId))
            .OrderBy(i => i.Name)
            .ToListAsync(cancellationToken))
            .Where(i => i.RoleOf(user, now) is not null)
            .ToList();
        var ids = investigations.Select(i => i.Id).ToArray();
        var datasets = await session.Query<Dataset>().Where(d => d.InvestigationId.IsOneOf(ids)).ToListAsync(cancellationToken);
        return TypedResults.Ok(investigations
            .Select(i => i.ToView(datasets.Count(d => d.InvestigationId == i.Id && d.IsSharedWith(user.OutletId)), i.RoleOf(user, now)))
            .ToList());
    }

    private static async Task<Results<Ok<InvestigationView>, NotFound<ProblemDetails>>> GetInvestigation(
        Guid id, HttpContext http, AccessPolicy access, IQuerySession session, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        if (await access.InvestigationAsync(user, id, cancellationToken) is not { } granted)
        {
            return Problems.NotFound("investigation");
        }
        var investigation = granted.Item;
        var datasets = await session.Query<Dataset>().Where(d => d.InvestigationId == id).ToListAsync(cancellationToken);
        return TypedResults.Ok(investigation.ToView(datasets.Count(d => d.IsSharedWith(user.OutletId)), granted.Role));
    }

    private static async Task<Results<Created<InvestigationView>, ValidationProblem, ProblemHttpResult>> CreateInvestigation(
        NewInvestigation request, HttpContext http, IDocumentSession session, TimeProvider clock, AuditLog audit, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        if (user.IsSyncClient)
        {
            return Problems.Forbidden("Sync clients read and sync; a person opens investigations.");
        }
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200)
        {
            errors["name"] = ["A name of 1 to 200 characters is required."];
        }
        var members = (request.MemberOutletIds ?? []).Append(user.OutletId).Distinct(StringComparer.Ordinal).ToArray();
        var known = await session.LoadManyAsync<Outlet>(cancellationToken, members);
        var unknown = members.Except(known.Select(o => o.Id)).ToArray();
        if (unknown.Length > 0)
        {
            errors["memberOutletIds"] = [$"Unknown outlets: {string.Join(", ", unknown)}."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var now = clock.GetUtcNow();
        // Whoever opens it coordinates it; everyone else is added by a coordinator.
        var investigation = new Investigation(Guid.CreateVersion7(), request.Name.Trim(), request.Description?.Trim() ?? "", user.OutletId, members, now,
            [new Membership(user.UserId, user.DisplayName, user.OutletId, InvestigationRole.Coordinator, now, null)]);
        session.Store(investigation);
        await audit.SaveChangesWithEntryAsync(session, http, new AuditSubject(AuditActions.InvestigationCreated, investigation.Id, AuditTargets.Investigation, investigation.Id.ToString(),
            $"{investigation.Name}; members {string.Join(", ", members)}"), cancellationToken);
        return TypedResults.Created($"/api/investigations/{investigation.Id}", investigation.ToView(0, InvestigationRole.Coordinator));
    }
}
