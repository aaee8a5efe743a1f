using System.Security.Cryptography;
using System.Text.Json;
using Consortium.Client;
using Consortium.Server.Audit;
using Consortium.Server.Hosting;
using Consortium.Server.LiveUpdates;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Consortium.Server.Identity;

/// <summary>
/// What an outlet's administrators do for their own newsroom: invite colleagues by one-time link, disable accounts
/// (cut off at once), register and delete the outlet's sync clients. Nothing here reaches another outlet's accounts:
/// their ids answer 404 like ids that do not exist.
/// </summary>
public static class OutletAdministration
{
    public static IEndpointRouteBuilder MapOutletAdministration(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/outlet").WithTags("Outlet administration").RequireAuthorization();
        group.MapGet("/accounts", ListAccounts);
        group.MapPost("/accounts", InviteAccount);
        group.MapPost("/accounts/{id}/disable", DisableAccount);
        group.MapGet("/clients", ListClients);
        group.MapPost("/clients", RegisterClient);
        group.MapDelete("/clients/{clientId}", DeleteClient);
        return app;
    }

    private static async Task<ConsortiumAccount?> AdministratorAsync(HttpContext http, UserManager<ConsortiumAccount> users)
    {
        // Sync clients are never administrators: only a signed-in person with the flag is.
        var account = await users.FindByIdAsync(ConsortiumUser.From(http.User).UserId);
        return account is { OutletAdmin: true, Disabled: false } ? account : null;
    }

    private static ProblemHttpResult NotAdministrator() =>
        Problems.Forbidden("Outlet administrators only", "Only an administrator of your outlet can do this.");

    private static async Task<Results<Ok<List<AccountView>>, ProblemHttpResult>> ListAccounts(HttpContext http, UserManager<ConsortiumAccount> users, CancellationToken cancellationToken)
    {
        if (await AdministratorAsync(http, users) is not { } admin)
        {
            return NotAdministrator();
        }
        var accounts = await users.Users.Where(a => a.OutletId == admin.OutletId).OrderBy(a => a.DisplayName).ToListAsync(cancellationToken);
        return TypedResults.Ok(accounts.Select(a => View(a)).ToList());
    }

    private static async Task<Results<Created<Invitation>, ValidationProblem, ProblemHttpResult>> InviteAccount(
        NewAccount request, HttpContext http, UserManager<ConsortiumAccount> users, RecentSignIn recent)
    {
        if (await AdministratorAsync(http, users) is not { } admin)
        {
            return NotAdministrator();
        }
        if (recent.Require(http) is { } reauthenticate)
        {
            return reauthenticate;
        }
        var account = new ConsortiumAccount
        {
            UserName = request.Email?.Trim(),
            Email = request.Email?.Trim(),
            DisplayName = request.DisplayName?.Trim() ?? "",
            OutletId = admin.OutletId,
            OutletAdmin = request.OutletAdmin,
        };
        if (string.IsNullOrWhiteSpace(account.DisplayName) || account.DisplayName.Length > 200)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["displayName"] = ["A display name of 1 to 200 characters is required."] });
        }
        // No password yet: the invitee chooses one through the link, then must enrol an authenticator.
        var created = await users.CreateAsync(account);
        if (!created.Succeeded)
        {
            return TypedResults.ValidationProblem(created.Errors.GroupBy(e => e.Code.Contains("Email", StringComparison.Ordinal) || e.Code.Contains("UserName", StringComparison.Ordinal) ? "email" : "account")
                .ToDictionary(g => g.Key, g => g.Select(e => e.Description).ToArray()));
        }
        var url = await InvitationLinks.CreateAsync(users, account, http.Request);
        return TypedResults.Created($"/api/outlet/accounts/{account.Id}", new Invitation(View(account), url));
    }

    private static async Task<Results<NoContent, NotFound<ProblemDetails>, ProblemHttpResult>> DisableAccount(
        string id, HttpContext http, UserManager<ConsortiumAccount> users, AccessRevocation revocation, AuditLog audit, CancellationToken cancellationToken)
    {
        if (await AdministratorAsync(http, users) is not { } admin)
        {
            return NotAdministrator();
        }
        var account = await users.FindByIdAsync(id);
        if (account is null || account.OutletId != admin.OutletId)
        {
            return Problems.NotFound("account");
        }
        await revocation.DisableAccountAsync(account.Id, cancellationToken);
        await audit.RecordAsync(http, new AuditSubject(AuditActions.GrantRevoked, null, "account", account.Id, $"account of {account.DisplayName} disabled"), cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<List<SyncClientView>>, ProblemHttpResult>> ListClients(
        HttpContext http, UserManager<ConsortiumAccount> users, IOpenIddictApplicationManager applications, CancellationToken cancellationToken)
    {
        if (await AdministratorAsync(http, users) is not { } admin)
        {
            return NotAdministrator();
        }
        var result = new List<SyncClientView>();
        await foreach (var application in applications.ListAsync(cancellationToken: cancellationToken))
        {
            var properties = await applications.GetPropertiesAsync(application, cancellationToken);
            if (properties.TryGetValue(ConnectEndpoints.OutletProperty, out var outlet) && outlet.GetString() == admin.OutletId)
            {
                result.Add(new SyncClientView((await applications.GetClientIdAsync(application, cancellationToken))!, (await applications.GetDisplayNameAsync(application, cancellationToken)) ?? ""));
            }
        }
        return TypedResults.Ok(result);
    }

    private static async Task<Results<Created<SyncClientCredentials>, ValidationProblem, ProblemHttpResult>> RegisterClient(
        NewSyncClient request, HttpContext http, UserManager<ConsortiumAccount> users, IOpenIddictApplicationManager applications, AuditLog audit,
        RecentSignIn recent, CancellationToken cancellationToken)
    {
        if (await AdministratorAsync(http, users) is not { } admin)
        {
            return NotAdministrator();
        }
        if (recent.Require(http) is { } reauthenticate)
        {
            return reauthenticate;
        }
        if (string.IsNullOrWhiteSpace(request.DisplayName) || request.DisplayName.Length > 200)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["displayName"] = ["A name of 1 to 200 characters is required."] });
        }
        var credentials = await SyncClients.RegisterAsync(applications, admin.OutletId, request.DisplayName.Trim(), cancellationToken);
        await audit.RecordAsync(http, new AuditSubject(AuditActions.GrantAdded, null, "client", credentials.ClientId, $"sync client {credentials.DisplayName} registered"), cancellationToken);
        return TypedResults.Created($"/api/outlet/clients/{credentials.ClientId}", credentials);
    }

    private static async Task<Results<NoContent, NotFound<ProblemDetails>, ProblemHttpResult>> DeleteClient(
        string clientId, HttpContext http, UserManager<ConsortiumAccount> users, IOpenIddictApplicationManager applications,
        IOpenIddictTokenManager tokens, IOpenIddictAuthorizationManager authorizations, LiveConnections connections, AuditLog audit, CancellationToken cancellationToken)
    {
        if (await AdministratorAsync(http, users) is not { } admin)
        {
            return NotAdministrator();
        }
        var application = await applications.FindByClientIdAsync(clientId, cancellationToken);
        if (application is null || !(await applications.GetPropertiesAsync(application, cancellationToken)).TryGetValue(ConnectEndpoints.OutletProperty, out var outlet)
            || outlet.GetString() != admin.OutletId)
        {
            return Problems.NotFound("client");
        }
        var id = (await applications.GetIdAsync(application, cancellationToken))!;
        await tokens.RevokeByApplicationIdAsync(id, cancellationToken);
        await authorizations.RevokeByApplicationIdAsync(id, cancellationToken);
        await applications.DeleteAsync(application, cancellationToken);
        // Its live connections close now (its tokens are dead already; the session sweeper would close them within seconds).
        connections.CloseAllOf(clientId);
        await audit.RecordAsync(http, new AuditSubject(AuditActions.GrantRevoked, null, "client", clientId, "sync client deleted, its tokens revoked"), cancellationToken);
        return TypedResults.NoContent();
    }

    private static AccountView View(ConsortiumAccount a) =>
        new(a.Id, a.Email ?? "", a.DisplayName, a.OutletAdmin, a.TwoFactorEnabled, a.Disabled, a.LockoutEnd is { } end && end > DateTimeOffset.UtcNow);
}

/// <summary>Registers sync clients: confidential OAuth clients allowed only the client-credentials grant and the API scope.</summary>
public static class SyncClients
{
    public static async Task<SyncClientCredentials> RegisterAsync(IOpenIddictApplicationManager applications, string outletId, string displayName, CancellationToken cancellationToken)
    {
        var clientId = $"{outletId}-{Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant()}";
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientSecret = secret,
            ClientType = ClientTypes.Confidential,
            DisplayName = displayName,
            Permissions =
            {
                Permissions.Endpoints.Token,
                Permissions.Endpoints.Introspection,
                Permissions.Endpoints.Revocation,
                Permissions.GrantTypes.ClientCredentials,
                Permissions.Prefixes.Scope + IdentityRegistration.ApiScope,
            },
        };
        descriptor.Properties[ConnectEndpoints.OutletProperty] = JsonSerializer.SerializeToElement(outletId);
        await applications.CreateAsync(descriptor, cancellationToken);
        return new SyncClientCredentials(clientId, secret, displayName);
    }
}

/// <summary>One-time invitation links: a password-reset token, which stops working once used (the security stamp changes).</summary>
public static class InvitationLinks
{
    public static async Task<string> CreateAsync(UserManager<ConsortiumAccount> users, ConsortiumAccount account, HttpRequest request)
    {
        var token = await users.GeneratePasswordResetTokenAsync(account);
        return $"{request.Scheme}://{request.Host}{request.PathBase}/account/accept?user={Uri.EscapeDataString(account.Id)}&token={Uri.EscapeDataString(token)}";
    }
}
