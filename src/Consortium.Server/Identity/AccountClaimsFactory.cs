using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Consortium.Server.Identity;

/// <summary>Puts the account's outlet and display name into every session and token, so features need no lookup.</summary>
internal sealed class AccountClaimsFactory(UserManager<ConsortiumAccount> users, RoleManager<IdentityRole> roles, IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<ConsortiumAccount, IdentityRole>(users, roles, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(ConsortiumAccount account)
    {
        var identity = await base.GenerateClaimsAsync(account);
        // Identity puts the user name under "name"; features show the person's display name instead.
        foreach (var name in identity.FindAll(Claims.Name).ToList())
        {
            identity.RemoveClaim(name);
        }
        identity.AddClaim(new Claim(Claims.Name, account.DisplayName));
        identity.AddClaim(new Claim(Claims.PreferredUsername, account.UserName ?? ""));
        identity.AddClaim(new Claim(ConsortiumUser.OutletClaim, account.OutletId));
        return identity;
    }
}

/// <summary>
/// A short-lived cookie that proves the password was right but no authenticator is enrolled yet. It opens only the
/// enrolment page: every account must have a second factor before it gets a session.
/// </summary>
internal static class EnrolmentCookie
{
    public const string Scheme = "Consortium.Enrolment";
}
