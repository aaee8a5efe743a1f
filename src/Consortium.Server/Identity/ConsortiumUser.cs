using System.Security.Claims;

namespace Consortium.Server.Identity;

/// <summary>The caller as every feature sees it, whatever scheme authenticated them.</summary>
public sealed record ConsortiumUser(string UserId, string DisplayName, string OutletId)
{
    public const string OutletClaim = "consortium:outlet";

    public static ConsortiumUser From(ClaimsPrincipal principal)
    {
        var id = principal.FindFirstValue(ClaimTypes.NameIdentifier)
            ?? throw new InvalidOperationException("An authenticated principal without a user id reached a feature.");
        var outlet = principal.FindFirstValue(OutletClaim)
            ?? throw new InvalidOperationException("An authenticated principal without an outlet reached a feature.");
        return new ConsortiumUser(id, principal.FindFirstValue(ClaimTypes.Name) ?? id, outlet);
    }
}
