using System.Security.Claims;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Consortium.Server.Identity;

/// <summary>
/// The caller as every feature sees it, whether a browser session cookie or a bearer token authenticated them.
/// <see cref="UserId"/> is the account id (the token's subject), or the client id for a partner's sync client.
/// </summary>
public sealed record ConsortiumUser(string UserId, string DisplayName, string OutletId, bool IsSyncClient = false)
{
    public const string OutletClaim = "consortium:outlet";

    public static ConsortiumUser From(ClaimsPrincipal principal)
    {
        var id = principal.FindFirstValue(Claims.Subject)
            ?? throw new InvalidOperationException("An authenticated principal without a subject reached a feature.");
        var outlet = principal.FindFirstValue(OutletClaim)
            ?? throw new InvalidOperationException("An authenticated principal without an outlet reached a feature.");
        // A sync client's token names the client as its own subject (client credentials); a person's never does.
        var isSyncClient = principal.FindFirstValue(Claims.ClientId) == id;
        return new ConsortiumUser(id, principal.FindFirstValue(Claims.Name) ?? id, outlet, isSyncClient);
    }
}
