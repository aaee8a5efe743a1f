using Consortium.Client;
using Consortium.Server.Audit;
using Consortium.Server.Identity;
using Marten;
using Microsoft.AspNetCore.SignalR;

namespace Consortium.Server.LiveUpdates;

/// <summary>
/// The hub's counterpart of <see cref="AccessDeniedAudit"/>: a hub method that refuses an object ("No such record.",
/// the same words for missing and hidden) is audited as <c>access.denied</c> with the object's type and id and the
/// method's name, never anything else of the call. The caller gets the same refusal as before.
/// </summary>
public sealed class AccessDeniedHubFilter : IHubFilter
{
    private static readonly Dictionary<string, string> Refusals = new(StringComparer.Ordinal)
    {
        ["No such record."] = AuditTargets.Record,
        ["No such dataset."] = AuditTargets.Dataset,
        ["No such investigation."] = AuditTargets.Investigation,
        ["No such annotation."] = AuditTargets.Annotation,
    };

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        try
        {
            return await next(invocationContext);
        }
        catch (HubException e) when (Refusals.TryGetValue(e.Message, out var type)
            && invocationContext.HubMethodArguments.OfType<Guid>().FirstOrDefault() is var id && id != Guid.Empty)
        {
            var services = invocationContext.ServiceProvider;
            var hub = invocationContext.Context;
            var investigationId = await AccessDeniedAudit.InvestigationOfAsync(services.GetRequiredService<IQuerySession>(), type, id, CancellationToken.None);
            var origin = hub.GetHttpContext() is { } http ? AuditOrigin.From(http) : new AuditOrigin(AuditOrigin.WebClient, null, null);
            await services.GetRequiredService<AuditLog>().RecordAsync(AuditActor.From(ConsortiumUser.From(hub.User!)), origin,
                new AuditSubject(SecurityAuditActions.AccessDenied, investigationId, type, id.ToString(), $"hub {invocationContext.HubMethodName} refused"), CancellationToken.None);
            throw;
        }
    }
}
