using Consortium.Client;
using Consortium.Server.Audit;

namespace Consortium.Server.Identity;

/// <summary>Records sign-ins, failed sign-ins and passkey changes in the audit chain. Failed ones name the email tried, never the password.</summary>
public sealed class SignInAudit(AuditLog audit)
{
    /// <summary>A session was opened; <paramref name="detail"/> says how when it was not password and authenticator code ("passkey").</summary>
    public Task SucceededAsync(ConsortiumAccount account, HttpContext http, string? detail = null) =>
        audit.RecordAsync(new AuditActor(account.Id, account.DisplayName, account.OutletId), AuditOrigin.From(http),
            new AuditSubject(AuditActions.SignInSucceeded, null, "account", account.Id, detail), http.RequestAborted);

    public Task FailedAsync(string email, string? userId, string reason, HttpContext http) =>
        audit.RecordAsync(new AuditActor(userId ?? "", email, null), AuditOrigin.From(http),
            new AuditSubject(AuditActions.SignInFailed, null, "account", userId, reason), http.RequestAborted);

    /// <summary>A passkey was added to or removed from an account (a new way in, or one fewer); the detail is its name.</summary>
    public Task PasskeyChangedAsync(ConsortiumAccount account, string action, string passkeyName, HttpContext http) =>
        audit.RecordAsync(new AuditActor(account.Id, account.DisplayName, account.OutletId), AuditOrigin.From(http),
            new AuditSubject(action, null, "account", account.Id, passkeyName), http.RequestAborted);
}
