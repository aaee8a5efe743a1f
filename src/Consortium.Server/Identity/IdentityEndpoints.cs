using Consortium.Client;
using Consortium.Server.Access;
using Consortium.Server.LiveUpdates;
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
        return app;
    }

    private static async Task<Ok<Me>> GetMe(HttpContext http, IQuerySession session, UserManager<ConsortiumAccount> users, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        var outlet = await session.LoadAsync<Outlet>(user.OutletId, cancellationToken);
        // Read from the account, not the session: an administrator demoted a minute ago is no longer one.
        var account = user.IsSyncClient ? null : await users.FindByIdAsync(user.UserId);
        return TypedResults.Ok(new Me(user.UserId, user.DisplayName, user.OutletId, outlet?.Name ?? user.OutletId, account?.OutletAdmin ?? false));
    }

    /// <summary>
    /// Ends the person's browser sessions (the web UI's sign-out button): a new security stamp makes every session
    /// cookie issued before it worthless on the server, copies included, and their live connections close now. Signing
    /// out on one device thus ends the session on a lost laptop too. Tokens of tools are revoked at /connect/revoke.
    /// </summary>
    private static async Task<NoContent> SignOut(HttpContext http, SignInManager<ConsortiumAccount> signIn, UserManager<ConsortiumAccount> users,
        SessionValidity validity, LiveConnections connections)
    {
        var user = ConsortiumUser.From(http.User);
        if (!user.IsSyncClient && await users.FindByIdAsync(user.UserId) is { } account)
        {
            await users.UpdateSecurityStampAsync(account);
            connections.CloseAllWhere(c => c.User is { } principal && validity.IsBrowserSession(principal) && principal.FindFirst(OpenIddict.Abstractions.OpenIddictConstants.Claims.Subject)?.Value == user.UserId);
        }
        await signIn.SignOutAsync();
        return TypedResults.NoContent();
    }
}
