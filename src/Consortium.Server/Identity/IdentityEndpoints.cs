using Consortium.Client;
using Consortium.Server.Access;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;

namespace Consortium.Server.Identity;

public static class IdentityEndpoints
{
    public static IEndpointRouteBuilder MapIdentity(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("Identity").RequireAuthorization();
        group.MapGet("/me", GetMe);
        group.MapPost("/session/sign-out", SignOut);
        group.MapPersonPreferences();
        return app;
    }

    private static async Task<Ok<Me>> GetMe(HttpContext http, IQuerySession session, UserManager<ConsortiumAccount> users, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        var outlet = await session.LoadAsync<Outlet>(user.OutletId, cancellationToken);
        // Read from the account, not the session: an administrator demoted a minute ago is no longer one.
        var account = user.IsSyncClient ? null : await users.FindByIdAsync(user.UserId);
        var preferences = user.IsSyncClient ? null : await session.LoadAsync<PersonPreferences>(user.UserId, cancellationToken);
        if (preferences?.Language is { } language)
        {
            // A new device learns the person's language here, so its sign-in pages speak it after sign-out too.
            PreferenceCulture.Remember(http, language);
        }
        return TypedResults.Ok(new Me(user.UserId, user.DisplayName, user.OutletId, outlet?.Name ?? user.OutletId, account?.OutletAdmin ?? false,
            preferences?.Language, preferences?.TimeZone));
    }

    /// <summary>
    /// Ends the person's browser sessions (the web UI's sign-out button): a new security stamp makes every session
    /// cookie issued before it worthless on the server, copies included, and their live connections close now. Signing
    /// out on one device thus ends the session on a lost laptop too. The person's tokens (command-line tools included)
    /// are revoked with it: a token minted from a stolen cookie must not outlive the sign-out (docs/security.md).
    /// </summary>
    private static async Task<NoContent> SignOut(HttpContext http, SignInManager<ConsortiumAccount> signIn, AccessRevocation revocation)
    {
        var user = ConsortiumUser.From(http.User);
        if (!user.IsSyncClient)
        {
            await revocation.RevokeAccountAsync(user.UserId, http.RequestAborted);
        }
        await signIn.SignOutAsync();
        return TypedResults.NoContent();
    }
}
