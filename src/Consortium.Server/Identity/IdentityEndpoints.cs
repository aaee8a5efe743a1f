using Consortium.Client;
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

    /// <summary>Ends the browser session (the web UI's sign-out button). SameSite cookies keep other sites from calling it.</summary>
    private static async Task<NoContent> SignOut(SignInManager<ConsortiumAccount> signIn)
    {
        await signIn.SignOutAsync();
        return TypedResults.NoContent();
    }
}
