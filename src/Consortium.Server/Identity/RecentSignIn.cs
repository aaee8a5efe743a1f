using System.Globalization;
using System.Security.Claims;
using Consortium.Server.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Consortium.Server.Identity;

/// <summary>
/// Sensitive actions (granting access, inviting people, registering clients, exporting; later moving embargoes)
/// need a sign-in from the last few minutes, not just a live session: a session left open on a newsroom desk must not
/// be enough to hand the leak to someone else. The time of the last full sign-in travels as the "auth_time" claim in the
/// session cookie and in tokens obtained from that session.
/// </summary>
public sealed class RecentSignIn(TimeProvider clock, IConfiguration configuration)
{
    public const string ProblemType = "https://consortium.example/problems/reauthentication-required";

    private TimeSpan Window => configuration.GetValue("Identity:ReauthenticateAfter", TimeSpan.FromMinutes(10));

    public static Claim Now(TimeProvider clock) =>
        new(Claims.AuthenticationTime, clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64);

    public bool IsRecent(ClaimsPrincipal principal) =>
        long.TryParse(principal.FindFirstValue(Claims.AuthenticationTime), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
        && clock.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(seconds) <= Window;

    /// <summary>Null when the caller signed in recently enough; otherwise the 403 problem telling the client to sign in again.</summary>
    public ProblemHttpResult? Require(HttpContext http) => IsRecent(http.User) ? null : TypedResults.Problem(new ProblemDetails
    {
        Type = ProblemType,
        Title = "Sign in again to do this",
        Status = StatusCodes.Status403Forbidden,
        Detail = $"This action needs a sign-in from the last {Window.TotalMinutes:0} minutes.",
        Extensions = { ["signInUrl"] = "/account/login?ReturnUrl=" + Uri.EscapeDataString(http.Request.Headers.Referer.ToString() is { Length: > 0 } referer && Uri.TryCreate(referer, UriKind.Absolute, out var uri) ? uri.PathAndQuery : "/") },
    });
}
