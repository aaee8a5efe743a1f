using Consortium.Client;
using Consortium.Server.Access;
using Consortium.Server.Audit;
using Consortium.Server.Hosting;
using Consortium.Server.Identity;
using Consortium.Server.LiveUpdates;
using JasperFx;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Consortium.Server.Records;

/// <summary>
/// Coordinators narrow who sees what: a dataset's compartment (which member outlets see it at all) and a single
/// record's restriction (a source's number, say). Outlets that lose sight lose it at once, open connections included.
/// </summary>
public static class RestrictAccess
{
    public static IEndpointRouteBuilder MapAccessRestrictions(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("Datasets and records").RequireAuthorization();
        group.MapPut("/datasets/{id:guid}/compartment", SetCompartment);
        group.MapPut("/records/{id:guid}/restriction", SetRestriction);
        group.MapGet("/records/{id:guid}/restriction", GetRestriction);
        return app;
    }

    /// <summary>
    /// Which outlets a record is restricted to (null: not restricted), for the record page's "who can see this". Anyone
    /// who sees the record may read it: a restricted record is seen only by the outlets it names, so the answer tells the
    /// caller nothing about an outlet that is not already beside them.
    /// </summary>
    private static async Task<Results<Ok<OutletRestriction>, NotFound<ProblemDetails>>> GetRestriction(
        Guid id, HttpContext http, AccessPolicy access, IQuerySession session, CancellationToken cancellationToken)
    {
        if (await access.RecordAsync(ConsortiumUser.From(http.User), id, cancellationToken) is null)
        {
            return Problems.NotFound("record");
        }
        var restriction = await session.LoadAsync<RecordRestriction>(id, cancellationToken);
        return TypedResults.Ok(new OutletRestriction(restriction?.OutletIds));
    }

    private static async Task<Results<Ok<DatasetView>, NotFound<ProblemDetails>, ValidationProblem, ProblemHttpResult, Conflict<ProblemDetails>>> SetCompartment(
        Guid id, OutletRestriction request, HttpContext http, AccessPolicy access, IDocumentSession session, ILiveAnnouncer live, AuditLog audit,
        RecentSignIn recent, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        if (await access.DatasetAsync(user, id, cancellationToken) is not { } granted)
        {
            return Problems.NotFound("dataset");
        }
        if (!Permissions.CanCoordinate(granted.Role))
        {
            return Problems.Forbidden("Only coordinators set compartments.");
        }
        if (recent.Require(http) is { } reauthenticate)
        {
            return reauthenticate;
        }
        string[]? outlets = null;
        if (request.OutletIds is { } named)
        {
            (outlets, var outsiders) = InsideWithOwnOutlet(named, user, granted.Investigation);
            if (outsiders is not null)
            {
                return outsiders;
            }
        }
        var dataset = (await session.LoadAsync<Dataset>(id, cancellationToken))!;
        var updated = dataset with { SharedWithOutletIds = outlets };
        session.Store(updated);
        try
        {
            await audit.SaveChangesWithEntryAsync(session, http, new AuditSubject(AuditActions.GrantAdded, granted.Investigation.Id, "dataset", id.ToString(),
                outlets is null ? "compartment: all member outlets" : $"compartment: {string.Join(", ", outlets)}"), cancellationToken);
        }
        catch (ConcurrencyException)
        {
            return Problems.Conflict("Dataset changed meanwhile", "The dataset changed while the compartment was being set (an import?); try again.");
        }
        CloseConnectionsOfOutletsOutside(live, granted.Investigation.MemberOutletIds, outlets);
        return TypedResults.Ok(updated.ToView());
    }

    private static async Task<Results<Ok<OutletRestriction>, NotFound<ProblemDetails>, ValidationProblem, ProblemHttpResult>> SetRestriction(
        Guid id, OutletRestriction request, HttpContext http, AccessPolicy access, IDocumentSession session, ILiveAnnouncer live,
        AuditLog audit, RecentSignIn recent, TimeProvider clock, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        if (await access.RecordAsync(user, id, cancellationToken) is not { } granted)
        {
            return Problems.NotFound("record");
        }
        if (!Permissions.CanCoordinate(granted.Role))
        {
            return Problems.Forbidden("Only coordinators restrict records.");
        }
        if (recent.Require(http) is { } reauthenticate)
        {
            return reauthenticate;
        }
        if (request.OutletIds is null)
        {
            session.Delete<RecordRestriction>(id);
            await audit.SaveChangesWithEntryAsync(session, http, new AuditSubject(AuditActions.GrantAdded, granted.Investigation.Id, "record", id.ToString(), "restriction lifted"), cancellationToken);
            return TypedResults.Ok(new OutletRestriction(null));
        }
        var (outlets, outsiders) = InsideWithOwnOutlet(request.OutletIds, user, granted.Investigation);
        if (outsiders is not null)
        {
            return outsiders;
        }
        session.Store(new RecordRestriction(id, granted.Item.Dataset.Id, outlets, user.UserId, clock.GetUtcNow()));
        await audit.SaveChangesWithEntryAsync(session, http, new AuditSubject(AuditActions.GrantRevoked, granted.Investigation.Id, "record", id.ToString(),
            $"restricted to {string.Join(", ", outlets)}"), cancellationToken);
        CloseConnectionsOfOutletsOutside(live, granted.Investigation.MemberOutletIds, outlets);
        return TypedResults.Ok(new OutletRestriction(outlets));
    }

    /// <summary>
    /// The outlets a compartment or restriction lets in: those named and the coordinator's own, which stays inside or
    /// it could lock out everyone who can change it; a validation problem when some named outlet is not a member.
    /// </summary>
    private static (string[] Outlets, ValidationProblem? Outsiders) InsideWithOwnOutlet(IEnumerable<string> named, ConsortiumUser user, Investigation investigation)
    {
        var outlets = named.Append(user.OutletId).Distinct(StringComparer.Ordinal).ToArray();
        return outlets.Where(o => !investigation.HasMember(o)).ToArray() is { Length: > 0 } outsiders
            ? (outlets, TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["outletIds"] = [$"Not member outlets: {string.Join(", ", outsiders)}."] }))
            : (outlets, null);
    }

    private static void CloseConnectionsOfOutletsOutside(ILiveAnnouncer live, IReadOnlyList<string> memberOutlets, IReadOnlyList<string>? allowed)
    {
        if (allowed is null)
        {
            return;
        }
        live.Withdraw(AccessWithdrawn.OfOutlets(memberOutlets.Except(allowed).ToList()));
    }
}
