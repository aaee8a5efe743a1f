// ─────────────────────────────────────────────────────────────────────────────────────────────
// DEVELOPMENT STAND-IN AUTHENTICATION. NOT FOR PRODUCTION.
// The caller names who they are ("ana.ruiz@el-faro") in a header or a cookie and is believed,
// provided the outlet exists. It exists only so the walking skeleton can be exercised end to end
// until the real identity (OpenIddict + ASP.NET Core Identity, issue "Identity and access control")
// replaces it. It is registered only when Authentication:DevelopmentStandIn is true, which only
// appsettings.Development.json and the test host set; everything else is confined to this file.
// ─────────────────────────────────────────────────────────────────────────────────────────────
using System.Security.Claims;
using System.Text.Encodings.Web;
using Consortium.Server.Demo;
using Consortium.Server.Investigations;
using Marten;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Consortium.Server.Identity;

public static class DevelopmentStandInAuthentication
{
    public const string Scheme = "DevelopmentStandIn";
    public const string Header = "X-Consortium-Dev-User";
    public const string Cookie = "consortium.dev-user";

    public static bool IsEnabled(IConfiguration configuration) => configuration.GetValue<bool>("Authentication:DevelopmentStandIn");

    public static WebApplicationBuilder AddConsortiumAuthentication(this WebApplicationBuilder builder)
    {
        var authentication = builder.Services.AddAuthentication(Scheme);
        if (IsEnabled(builder.Configuration))
        {
            authentication.AddScheme<AuthenticationSchemeOptions, StandInHandler>(Scheme, _ => { });
        }
        else
        {
            // Without the stand-in no scheme can authenticate anyone: every protected endpoint answers 401
            // until the real identity arrives. Failing closed is the point.
            authentication.AddScheme<AuthenticationSchemeOptions, NobodyHandler>(Scheme, _ => { });
        }
        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        return builder;
    }

    /// <summary>The stand-in's sign-in endpoints for the web UI (a picker of demo users); mapped only when the stand-in is on.</summary>
    public static IEndpointRouteBuilder MapDevelopmentSignIn(this IEndpointRouteBuilder app)
    {
        if (!IsEnabled(app.ServiceProvider.GetRequiredService<IConfiguration>()))
        {
            return app;
        }
        var group = app.MapGroup("/api/dev").WithTags("Development stand-in").AllowAnonymous();
        group.MapGet("/users", ListUsers);
        group.MapPost("/sign-in", SignIn);
        group.MapPost("/sign-out", SignOut);
        return app;
    }

    public sealed record StandInUser(string User, string DisplayName, string OutletId, string OutletName);

    public sealed record SignInRequest(string User);

    private static async Task<Ok<List<StandInUser>>> ListUsers(IQuerySession session, CancellationToken cancellationToken)
    {
        var outlets = await session.Query<Outlet>().OrderBy(o => o.Name).ToListAsync(cancellationToken);
        return TypedResults.Ok(outlets
            // Outlets outside the demo (made by tests or by hand) get one generic reporter, so each can be signed in as.
            .SelectMany(outlet => (DemoConsortium.PeopleOf(outlet.Id) is { Count: > 0 } people ? people : ["reporter"])
                .Select(person => new StandInUser($"{person}@{outlet.Id}", DisplayNameOf(person), outlet.Id, outlet.Name)))
            .ToList());
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> SignIn(SignInRequest request, IQuerySession session, HttpContext http, CancellationToken cancellationToken)
    {
        if (await ResolveAsync(request.User, session, cancellationToken) is null)
        {
            return TypedResults.Problem(title: "Unknown user", detail: "Name a user as person@outlet-id of an existing outlet.", statusCode: StatusCodes.Status400BadRequest);
        }
        http.Response.Cookies.Append(Cookie, request.User, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = http.Request.IsHttps, IsEssential = true });
        return TypedResults.NoContent();
    }

    private static NoContent SignOut(HttpContext http)
    {
        http.Response.Cookies.Delete(Cookie);
        return TypedResults.NoContent();
    }

    private static async Task<ConsortiumUser?> ResolveAsync(string? value, IQuerySession session, CancellationToken cancellationToken)
    {
        var at = value?.LastIndexOf('@') ?? -1;
        if (value is null || at <= 0 || at == value.Length - 1)
        {
            return null;
        }
        var person = value[..at];
        var outlet = await session.LoadAsync<Outlet>(value[(at + 1)..], cancellationToken);
        return outlet is null ? null : new ConsortiumUser(value, DisplayNameOf(person), outlet.Id);
    }

    private static string DisplayNameOf(string person) =>
        string.Join(' ', person.Split('.', '-', '_').Where(p => p.Length > 0).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));

    private sealed class StandInHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            string? claimed = Request.Headers[Header];
            claimed ??= Request.Cookies[Cookie];
            if (claimed is null)
            {
                return AuthenticateResult.NoResult();
            }
            var session = Context.RequestServices.GetRequiredService<IQuerySession>();
            var user = await ResolveAsync(claimed, session, Context.RequestAborted);
            if (user is null)
            {
                return AuthenticateResult.Fail("Unknown stand-in user.");
            }
            var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, user.UserId),
                new Claim(ClaimTypes.Name, user.DisplayName),
                new Claim(ConsortiumUser.OutletClaim, user.OutletId),
            ], DevelopmentStandInAuthentication.Scheme);
            return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), DevelopmentStandInAuthentication.Scheme));
        }
    }

    private sealed class NobodyHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync() => Task.FromResult(AuthenticateResult.NoResult());
    }
}
