using Consortium.Server.Access;
using Consortium.Client;
using Marten;

namespace Consortium.Server.Audit;

/// <summary>
/// Records every refusal of a request about an object (403 or 404 on an API route naming one by id) as
/// <c>access.denied</c>: the target's type and id, and the route's pattern (never its values or any content), in the
/// investigation the object belongs to, so its coordinators see someone probing. See docs/security.md.
/// </summary>
/// <remarks>
/// One place for every endpoint, after the endpoint answered: the answer itself is unchanged (a hidden object still
/// reads as a missing one), and the entry costs a lookup only on refusals.
/// </remarks>
public static class AccessDeniedAudit
{
    private static readonly Dictionary<string, string> TargetTypes = new(StringComparer.Ordinal)
    {
        ["investigations"] = AuditTargets.Investigation,
        ["datasets"] = AuditTargets.Dataset,
        ["records"] = AuditTargets.Record,
        ["annotations"] = AuditTargets.Annotation,
    };

    public static IApplicationBuilder UseAccessDeniedAudit(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        await next(http);
        if (http.Response.StatusCode is not (StatusCodes.Status403Forbidden or StatusCodes.Status404NotFound)
            || http.User.Identity?.IsAuthenticated != true
            || http.GetEndpoint() is not RouteEndpoint endpoint
            || Target(http.Request.Path) is not { } target)
        {
            return;
        }
        var services = http.RequestServices;
        var investigationId = await InvestigationOfAsync(services.GetRequiredService<IQuerySession>(), target.Type, target.Id, CancellationToken.None);
        await services.GetRequiredService<AuditLog>().RecordAsync(http, new AuditSubject(SecurityAuditActions.AccessDenied, investigationId, target.Type, target.Id.ToString(),
            $"{http.Request.Method} {endpoint.RoutePattern.RawText} answered {http.Response.StatusCode}"), CancellationToken.None);
    });

    /// <summary>The first object named in an API path: the collection before the first id.</summary>
    private static (string Type, Guid Id)? Target(PathString path)
    {
        if (!path.StartsWithSegments("/api", out var rest))
        {
            return null;
        }
        var segments = rest.Value!.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 1; i < segments.Length; i++)
        {
            if (Guid.TryParse(segments[i], out var id))
            {
                return TargetTypes.TryGetValue(segments[i - 1], out var type) ? (type, id) : null;
            }
        }
        return null;
    }

    /// <summary>The investigation the object belongs to, when it exists; null files the entry under no investigation.</summary>
    public static async Task<Guid?> InvestigationOfAsync(IQuerySession session, string type, Guid id, CancellationToken cancellationToken)
    {
        switch (type)
        {
            case AuditTargets.Investigation:
                return await session.LoadAsync<Access.Investigation>(id, cancellationToken) is not null ? id : null;
            case AuditTargets.Dataset:
                return (await session.LoadAsync<Dataset>(id, cancellationToken))?.InvestigationId;
            case AuditTargets.Record:
                var record = await session.LoadAsync<LeakedRecord>(id, cancellationToken);
                return record is null ? null : (await session.LoadAsync<Dataset>(record.DatasetId, cancellationToken))?.InvestigationId;
            case AuditTargets.Annotation:
                return (await StoredAnnotationAccess.LoadAsync(session, [id], cancellationToken)).GetValueOrDefault(id)?.InvestigationId;
            default:
                return null;
        }
    }
}
