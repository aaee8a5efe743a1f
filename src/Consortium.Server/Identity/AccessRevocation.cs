using Consortium.Server.LiveUpdates;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;

namespace Consortium.Server.Identity;

/// <summary>
/// Cuts a person off everywhere at once: browser sessions (new security stamp, checked on every request), tokens and
/// the authorizations they derive from (OpenIddict validates both against the store on every request), and open hub
/// connections (closed now; any reconnect is authenticated afresh and fails).
/// </summary>
public sealed class AccessRevocation(
    UserManager<ConsortiumAccount> users,
    IOpenIddictTokenManager tokens,
    IOpenIddictAuthorizationManager authorizations,
    LiveConnections connections)
{
    public async Task RevokeAccountAsync(string userId, CancellationToken cancellationToken)
    {
        if (await users.FindByIdAsync(userId) is { } account)
        {
            await users.UpdateSecurityStampAsync(account);
        }
        await authorizations.RevokeBySubjectAsync(userId, cancellationToken);
        await tokens.RevokeBySubjectAsync(userId, cancellationToken);
        connections.CloseAllOf(userId);
    }

    public async Task DisableAccountAsync(string userId, CancellationToken cancellationToken)
    {
        if (await users.FindByIdAsync(userId) is { } account)
        {
            account.Disabled = true;
            await users.UpdateAsync(account);
        }
        await RevokeAccountAsync(userId, cancellationToken);
    }
}
