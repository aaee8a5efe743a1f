namespace Consortium.Server.Identity;

/// <summary>Records sign-ins and failed sign-ins. Failed ones name the email tried, never the password.</summary>
public sealed class SignInAudit(ILogger<SignInAudit> logger)
{
    public Task SucceededAsync(ConsortiumAccount account, HttpContext http)
    {
        logger.LogInformation("Sign-in of {UserId} ({Outlet}) from {Address}", account.Id, account.OutletId, http.Connection.RemoteIpAddress);
        return Task.CompletedTask;
    }

    public Task FailedAsync(string email, string? userId, string reason, HttpContext http)
    {
        logger.LogWarning("Failed sign-in for {Email} ({UserId}): {Reason}, from {Address}", email, userId, reason, http.Connection.RemoteIpAddress);
        return Task.CompletedTask;
    }
}
