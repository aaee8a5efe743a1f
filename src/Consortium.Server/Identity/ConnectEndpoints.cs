using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Consortium.Server.Identity;

/// <summary>
/// OpenIddict passes the authorization, token, end-session and userinfo requests through to these handlers once it
/// has validated them (client, redirect URI, PKCE, grant type, scopes). They decide who the token is for.
/// </summary>
internal static class ConnectEndpoints
{
    /// <summary>Application property naming the outlet a partner's sync client acts for.</summary>
    public const string OutletProperty = "consortium_outlet";

    /// <summary>
    /// The account's security stamp when the person authorised the client. Codes and refresh tokens carry every claim
    /// (encrypted, read only by this server); <see cref="Destinations"/> keeps it out of access and identity tokens.
    /// </summary>
    private const string StampClaim = "consortium_stamp";

    public static IEndpointRouteBuilder MapConnectEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/connect").AllowAnonymous().ExcludeFromDescription();
        group.MapMethods("/authorize", ["GET", "POST"], (Delegate)Authorize);
        group.MapPost("/token", (Delegate)Exchange);
        group.MapMethods("/logout", ["GET", "POST"], (Delegate)EndSession);
        // The server stack validates userinfo's token (OpenIddict checked it before passing the request through): an
        // id-only token (openid profile, no API audience) may read who it belongs to, nothing more.
        group.MapMethods("/userinfo", ["GET", "POST"], (Delegate)UserInfo)
            .RequireAuthorization(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme).RequireAuthenticatedUser().Build());
        return app;
    }

    private static async Task<IResult> Authorize(HttpContext http, UserManager<ConsortiumAccount> users, IOpenIddictAuthorizationManager authorizations)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        var session = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        if (!session.Succeeded || request.HasPromptValue(PromptValues.Login))
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Forbid(Errors.LoginRequired, "The user is not signed in.");
            }
            // Back here after the password and second factor, with the same request (minus prompt=login, or it would loop).
            var parameters = http.Request.HasFormContentType ? http.Request.Form.ToList() : http.Request.Query.ToList();
            parameters.RemoveAll(p => p.Key == Parameters.Prompt);
            return Results.Challenge(new AuthenticationProperties { RedirectUri = http.Request.PathBase + http.Request.Path + QueryString.Create(parameters) },
                [IdentityConstants.ApplicationScheme]);
        }

        var account = await users.GetUserAsync(session.Principal!);
        if (account is null || account.Disabled)
        {
            return Forbid(Errors.AccessDenied, "The account cannot sign in.");
        }

        // Consortium's clients are registered by the consortium's operators, so consent is implied; the permanent
        // authorization still exists so that revoking it (or the account) kills every token derived from it.
        var identity = IdentityFor(account);
        CopyAuthenticationTime(session.Principal!, identity);
        identity.SetClaim(StampClaim, account.SecurityStamp);
        identity.SetScopes(request.GetScopes());
        identity.SetResources(AudienceFor(request.GetScopes()));
        var subject = account.Id;
        var clientId = request.ClientId!;
        var existing = await authorizations.FindAsync(subject, clientId, Statuses.Valid, AuthorizationTypes.Permanent, request.GetScopes()).FirstOrDefaultAsync();
        var authorization = existing ?? await authorizations.CreateAsync(identity, subject, clientId, AuthorizationTypes.Permanent, request.GetScopes());
        identity.SetAuthorizationId(await authorizations.GetIdAsync(authorization));
        identity.SetDestinations(Destinations);
        return Results.SignIn(new ClaimsPrincipal(identity), properties: null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static async Task<IResult> Exchange(HttpContext http, UserManager<ConsortiumAccount> users, IOpenIddictApplicationManager applications, SessionValidity validity)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        if (request.IsClientCredentialsGrantType())
        {
            // A partner's sync client acts for its outlet, as an identity of its own (never as a person).
            var application = await applications.FindByClientIdAsync(request.ClientId!);
            if (application is null)
            {
                return Forbid(Errors.InvalidClient, "Unknown client.");
            }
            var properties = await applications.GetPropertiesAsync(application);
            if (!properties.TryGetValue(OutletProperty, out var outlet) || outlet.ValueKind != JsonValueKind.String)
            {
                return Forbid(Errors.UnauthorizedClient, "This client does not act for an outlet.");
            }
            var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
            identity.SetClaim(Claims.Subject, request.ClientId)
                .SetClaim(Claims.Name, await applications.GetDisplayNameAsync(application) ?? request.ClientId)
                .SetClaim(ConsortiumUser.OutletClaim, outlet.GetString())
                .SetClaim(Claims.ClientId, request.ClientId);
            identity.SetScopes(request.GetScopes());
            identity.SetResources(AudienceFor(request.GetScopes()));
            identity.SetDestinations(Destinations);
            return Results.SignIn(new ClaimsPrincipal(identity), properties: null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        if (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType())
        {
            var result = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            var account = await users.FindByIdAsync(result.Principal?.GetClaim(Claims.Subject) ?? "");
            // Checked again at every refresh: a disabled or locked-out account gets no new access token.
            if (account is null || account.Disabled || await users.IsLockedOutAsync(account))
            {
                return Forbid(Errors.InvalidGrant, "The account can no longer sign in.");
            }
            // Tokens live no longer than the session they were minted from: a sign-out, new password or second factor
            // since (a new stamp), or a sign-in older than the session lifetime, ends them as it ends the cookie.
            var stamp = result.Principal!.GetClaim(StampClaim);
            if (string.IsNullOrEmpty(stamp) || stamp != account.SecurityStamp || validity.OutlivedItsLifetime(result.Principal!))
            {
                return Forbid(Errors.InvalidGrant, "The session these tokens came from has ended; sign in again.");
            }
            var identity = IdentityFor(account);
            identity.SetClaim(StampClaim, stamp);
            // A refresh is not a sign-in: the original sign-in time stays, so refreshed tokens age like the session.
            CopyAuthenticationTime(result.Principal!, identity);
            identity.SetScopes(result.Principal!.GetScopes());
            identity.SetResources(AudienceFor(result.Principal!.GetScopes()));
            identity.SetAuthorizationId(result.Principal!.GetAuthorizationId());
            identity.SetClaim(Claims.ClientId, request.ClientId);
            identity.SetDestinations(Destinations);
            return Results.SignIn(new ClaimsPrincipal(identity), properties: null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        return Forbid(Errors.UnsupportedGrantType, "This grant type is not supported.");
    }

    private static async Task<IResult> EndSession(HttpContext http, UserManager<ConsortiumAccount> users, AccessRevocation revocation)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        var session = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        // A GET could come from any page (an image tag), and any id_token_hint OpenIddict accepts could be the attacker's
        // own: the person confirms unless the hint names the very person signed in here.
        if (HttpMethods.IsGet(http.Request.Method))
        {
            var hint = string.IsNullOrEmpty(request.IdTokenHint) ? null
                : (await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal?.GetClaim(Claims.Subject);
            if (hint is null || !session.Succeeded || hint != session.Principal!.GetClaim(Claims.Subject))
            {
                return Results.Content(LogoutConfirmation.Page(http.Request.Query), "text/html; charset=utf-8");
            }
        }
        // As the web UI's sign-out: a new security stamp ends the session on the server (copies of the cookie included),
        // and every token and live socket of the person ends with it.
        if (session.Succeeded && await users.GetUserAsync(session.Principal!) is { } account)
        {
            await revocation.RevokeAccountAsync(account.Id, http.RequestAborted);
        }
        await http.SignOutAsync(IdentityConstants.ApplicationScheme);
        // OpenIddict redirects to the validated post_logout_redirect_uri, or to the login page without one.
        return Results.SignOut(new AuthenticationProperties { RedirectUri = "/account/login" }, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }

    private static IResult UserInfo(HttpContext http)
    {
        var user = http.User;
        return Results.Ok(new Dictionary<string, object?>
        {
            [Claims.Subject] = user.GetClaim(Claims.Subject),
            [Claims.Name] = user.GetClaim(Claims.Name),
            [Claims.PreferredUsername] = user.GetClaim(Claims.PreferredUsername),
            [ConsortiumUser.OutletClaim] = user.GetClaim(ConsortiumUser.OutletClaim),
        });
    }

    /// <summary>The API's audience, for tokens granted its scope only.</summary>
    private static IEnumerable<string> AudienceFor(IEnumerable<string> scopes) =>
        scopes.Contains(IdentityRegistration.ApiScope, StringComparer.Ordinal) ? [IdentityRegistration.ApiAudience] : [];

    private static ClaimsIdentity IdentityFor(ConsortiumAccount account)
    {
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, account.Id)
            .SetClaim(Claims.Name, account.DisplayName)
            .SetClaim(Claims.PreferredUsername, account.UserName)
            .SetClaim(ConsortiumUser.OutletClaim, account.OutletId);
        return identity;
    }

    // OpenIddict insists that auth_time is typed as an integer, not merely digits in a string.
    private static void CopyAuthenticationTime(ClaimsPrincipal from, ClaimsIdentity to)
    {
        if (from.FindFirst(Claims.AuthenticationTime) is { } claim)
        {
            to.AddClaim(new Claim(Claims.AuthenticationTime, claim.Value, ClaimValueTypes.Integer64));
        }
    }

    private static IEnumerable<string> Destinations(Claim claim) => claim.Type switch
    {
        Claims.Subject or Claims.ClientId or Claims.Name or Claims.PreferredUsername or ConsortiumUser.OutletClaim or Claims.AuthenticationTime =>
            [OpenIddictConstants.Destinations.AccessToken, OpenIddictConstants.Destinations.IdentityToken],
        // Anything else (the security stamp above all) stays out of tokens.
        _ => [],
    };

    private static IResult Forbid(string error, string description) => Results.Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
