using Consortium.Client;
using Consortium.Server.Audit;

namespace Consortium.Server.Identity;

/// <summary>Records sign-ins and failed sign-ins in the audit chain. Failed ones name the email tried, never the password.</summary>
public sealed class SignInAudit(AuditLog audit)
{
    public Task SucceededAsync(ConsortiumAccount account, HttpContext http) =>
        audit.RecordAsync(new AuditActor(account.Id, account.DisplayName, account.OutletId), AuditOrigin.From(http),
            new AuditSubject(AuditActions.SignInSucceeded, null, "account", account.Id), http.RequestAborted);

    public Task FailedAsync(string email, string? userId, string reason, HttpContext http) =>
        audit.RecordAsync(new AuditActor(userId ?? "", email, null), AuditOrigin.From(http),
            new AuditSubject(AuditActions.SignInFailed, null, "account", userId, reason), http.RequestAborted);
}
