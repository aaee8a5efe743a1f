using Consortium.Client;
using Consortium.Server.Access;
using Consortium.Server.Audit;
using Consortium.Server.Hosting;
using Consortium.Server.Identity;
using Consortium.Server.LiveUpdates;
using JasperFx;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace Consortium.Server.Investigations;

/// <summary>
/// Coordinators add people to an investigation with a role (optionally until a given time), change roles, and remove
/// people. A removal bites at once: the next request is checked against the new membership, and the person's open hub
/// connections are closed so no group membership outlives it.
/// </summary>
public static class MemberEndpoints
{
    public static IEndpointRouteBuilder MapMembers(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/investigations/{id:guid}/members").WithTags("Investigations").RequireAuthorization();
        group.MapGet("/", ListMembers);
        group.MapPost("/", AddMember);
        group.MapPut("/{userId}", ChangeMember);
        group.MapDelete("/{userId}", RemoveMember);
        return app;
    }

    private static async Task<Results<Ok<List<MemberView>>, NotFound<ProblemDetails>>> ListMembers(
        Guid id, HttpContext http, AccessPolicy access, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await access.InvestigationAsync(ConsortiumUser.From(http.User), id, cancellationToken) is not { } granted)
        {
            return Problems.NotFound("investigation");
        }
        var now = clock.GetUtcNow();
        return TypedResults.Ok(granted.Item.People.Where(m => m.IsCurrent(now)).OrderBy(m => m.OutletId).ThenBy(m => m.DisplayName).Select(m => m.ToView()).ToList());
    }

    private static async Task<Results<Created<MemberView>, NotFound<ProblemDetails>, ValidationProblem, ProblemHttpResult, Conflict<ProblemDetails>>> AddMember(
        Guid id, NewMember request, HttpContext http, AccessPolicy access, IDocumentSession session, UserManager<ConsortiumAccount> users,
        AuditLog audit, RecentSignIn recent, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await CoordinatedAsync(id, http, access, session, cancellationToken) is not { } coordinated)
        {
            return Problems.NotFound("investigation");
        }
        if ((coordinated.Forbidden ?? recent.Require(http)) is { } forbidden)
        {
            return forbidden;
        }
        var investigation = coordinated.Investigation!;
        var now = clock.GetUtcNow();
        var account = string.IsNullOrWhiteSpace(request.Email) ? null : await users.FindByEmailAsync(request.Email.Trim());
        var errors = new Dictionary<string, string[]>();
        if (account is null || account.Disabled)
        {
            errors["email"] = ["No active account has this email."];
        }
        else if (!investigation.HasMember(account.OutletId))
        {
            errors["email"] = [$"This person's outlet ({account.OutletId}) does not take part in the investigation."];
        }
        if (request.ExpiresAt is { } expires && expires <= now)
        {
            errors["expiresAt"] = ["The expiry must be in the future."];
        }
        if (!Enum.IsDefined(request.Role))
        {
            errors["role"] = ["Unknown role."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var membership = new Membership(account!.Id, account.DisplayName, account.OutletId, request.Role, now, request.ExpiresAt);
        var updated = investigation with { Members = [.. investigation.People.Where(m => m.UserId != account.Id), membership] };
        return await SaveAsync(session, updated, audit, http, new AuditSubject(AuditActions.GrantAdded, id, "account", account.Id,
                $"member {account.DisplayName} ({account.OutletId}) as {request.Role}{(request.ExpiresAt is { } until ? $" until {until:O}" : "")}"), cancellationToken) is { } conflict
            ? conflict
            : TypedResults.Created($"/api/investigations/{id}/members/{account.Id}", membership.ToView());
    }

    private static async Task<Results<Ok<MemberView>, NotFound<ProblemDetails>, ValidationProblem, ProblemHttpResult, Conflict<ProblemDetails>>> ChangeMember(
        Guid id, string userId, MemberChange change, HttpContext http, AccessPolicy access, IDocumentSession session, ILiveAnnouncer live,
        AuditLog audit, RecentSignIn recent, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await CoordinatedAsync(id, http, access, session, cancellationToken) is not { } coordinated)
        {
            return Problems.NotFound("investigation");
        }
        if ((coordinated.Forbidden ?? recent.Require(http)) is { } forbidden)
        {
            return forbidden;
        }
        var investigation = coordinated.Investigation!;
        var now = clock.GetUtcNow();
        if (investigation.People.FirstOrDefault(m => m.UserId == userId && m.IsCurrent(now)) is not { } member)
        {
            return Problems.NotFound("member");
        }
        var changed = member with { Role = change.Role, ExpiresAt = change.ExpiresAt };
        var members = investigation.People.Select(m => m.UserId == userId ? changed : m).ToList();
        if (!members.Any(m => m.Role == InvestigationRole.Coordinator && m.IsCurrent(now)))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["role"] = ["An investigation needs at least one coordinator."] });
        }
        if (await SaveAsync(session, investigation with { Members = members }, audit, http, new AuditSubject(AuditActions.GrantAdded, id, "account", userId,
                $"member {member.DisplayName} ({member.OutletId}) now {change.Role}{(change.ExpiresAt is { } until ? $" until {until:O}" : "")}"), cancellationToken) is { } conflict)
        {
            return conflict;
        }
        // A demotion must not leave rights behind in open connections.
        live.Withdraw(AccessWithdrawn.OfUser(userId));
        return TypedResults.Ok(changed.ToView());
    }

    private static async Task<Results<NoContent, NotFound<ProblemDetails>, ValidationProblem, ProblemHttpResult, Conflict<ProblemDetails>>> RemoveMember(
        Guid id, string userId, HttpContext http, AccessPolicy access, IDocumentSession session, ILiveAnnouncer live,
        AuditLog audit, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await CoordinatedAsync(id, http, access, session, cancellationToken) is not { } coordinated)
        {
            return Problems.NotFound("investigation");
        }
        if (coordinated.Forbidden is { } forbidden)
        {
            return forbidden;
        }
        var investigation = coordinated.Investigation!;
        var now = clock.GetUtcNow();
        if (!investigation.People.Any(m => m.UserId == userId && m.IsCurrent(now)))
        {
            return Problems.NotFound("member");
        }
        var members = investigation.People.Where(m => m.UserId != userId).ToList();
        if (!members.Any(m => m.Role == InvestigationRole.Coordinator && m.IsCurrent(now)))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["userId"] = ["The last coordinator cannot be removed; make someone else coordinator first."] });
        }
        if (await SaveAsync(session, investigation with { Members = members }, audit, http, new AuditSubject(AuditActions.MemberRemoved, id, "account", userId), cancellationToken) is { } conflict)
        {
            return conflict;
        }
        live.Withdraw(AccessWithdrawn.OfUser(userId));
        return TypedResults.NoContent();
    }

    private sealed record Coordinated(Investigation? Investigation, ProblemHttpResult? Forbidden);

    private static async Task<Coordinated?> CoordinatedAsync(Guid id, HttpContext http, AccessPolicy access, IDocumentSession session, CancellationToken cancellationToken)
    {
        if (await access.InvestigationAsync(ConsortiumUser.From(http.User), id, cancellationToken) is not { } granted)
        {
            return null;
        }
        if (!Permissions.CanCoordinate(granted.Role))
        {
            return new Coordinated(null, Problems.Forbidden("Only coordinators manage members."));
        }
        // Loaded again in the writing session, so its version guards the write (optimistic concurrency).
        return new Coordinated(await session.LoadAsync<Investigation>(id, cancellationToken), null);
    }

    private static async Task<Conflict<ProblemDetails>?> SaveAsync(IDocumentSession session, Investigation investigation, AuditLog audit, HttpContext http,
        AuditSubject entry, CancellationToken cancellationToken)
    {
        session.Store(investigation);
        try
        {
            // The change and its audit entry commit together, or neither does.
            await audit.SaveChangesWithEntryAsync(session, http, entry, cancellationToken);
            return null;
        }
        catch (ConcurrencyException)
        {
            // Two coordinators editing members at once: the second write fails instead of silently dropping the first.
            return Problems.Conflict("Members changed meanwhile", "Another coordinator changed the members at the same time; reload and try again.");
        }
    }
}
