using System.Security.Cryptography.X509Certificates;
using Consortium.Server.Storage;
using Marten;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using OpenIddict.Validation.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Consortium.Server.Identity;

public static class IdentityRegistration
{
    /// <summary>Cookie for browsers or bearer token for tools: chosen per request by whether a bearer token is sent.</summary>
    public const string ApiScheme = "Consortium";

    public const string ApiScope = "consortium.api";

    /// <summary>The audience (resource) of access tokens for this API; set when <see cref="ApiScope"/> is granted.</summary>
    public const string ApiAudience = "consortium";

    /// <summary>
    /// ASP.NET Core Identity (accounts, password + mandatory TOTP, lockout), OpenIddict's server (authorization code
    /// with PKCE, client credentials, refresh tokens, revocation, introspection) and its validation, and the one
    /// authentication scheme every endpoint and the hub use.
    /// </summary>
    public static WebApplicationBuilder AddConsortiumIdentity(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        // The outlets people belong to, read by the sign-in pages and the investigations' member lists.
        builder.Services.ConfigureMarten(options =>
        {
            options.Schema.For<Outlet>().Identity(o => o.Id);
            options.Schema.For<PersonPreferences>().Identity(p => p.Id);
        });
        var keysDirectory = KeyFiles.Directory(configuration);
        var requireHttps = configuration.GetValue("Identity:RequireHttps", true);

        builder.Services.AddDbContext<IdentityStore>((services, options) =>
        {
            options.UseNpgsql(services.GetRequiredService<StorageSettings>().ConnectionString,
                npgsql => npgsql.MigrationsHistoryTable("__EFMigrationsHistory", IdentityStore.Schema));
            options.UseOpenIddict();
        });
        builder.Services.AddHostedService<IdentitySchemaMigrator>();
        builder.Services.AddHostedService<BuiltInClients>();

        // Several nodes share a mounted keys folder. Keeping the keys in PostgreSQL instead lets anyone who reads the
        // database (a dump, a backup, a replica) forge tokens and cookies, so it is only done when the operator says so.
        var databaseKeys = DatabaseKeys.Chosen(configuration)
            ? new DatabaseKeys((StorageSettings)builder.Services.Last(d => d.ServiceType == typeof(StorageSettings)).ImplementationInstance!)
            : null;
        var dataProtection = builder.Services.AddDataProtection().SetApplicationName("Consortium");
        if (databaseKeys is null)
        {
            dataProtection.PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(keysDirectory, "data-protection")));
        }
        else
        {
            dataProtection.AddKeyManagementOptions(options => options.XmlRepository = new DatabaseXmlRepository(databaseKeys));
        }

        builder.Services.AddIdentity<ConsortiumAccount, IdentityRole>(options =>
            {
                IdentityUserStoreDefaults.UseLatestSchema(options);
                options.User.RequireUniqueEmail = true;
                options.Password.RequiredLength = 12;
                options.Password.RequireNonAlphanumeric = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireDigit = false;
                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                options.SignIn.RequireConfirmedAccount = false;
                options.ClaimsIdentity.UserIdClaimType = Claims.Subject;
                options.ClaimsIdentity.UserNameClaimType = Claims.Name;
                options.Tokens.AuthenticatorTokenProvider = SingleUseAuthenticatorCodes.ProviderName;
            })
            .AddEntityFrameworkStores<IdentityStore>()
            .AddUserStore<HashedRecoveryCodes>()
            .AddDefaultTokenProviders()
            .AddTokenProvider<SingleUseAuthenticatorCodes>(SingleUseAuthenticatorCodes.ProviderName)
            .AddClaimsPrincipalFactory<AccountClaimsFactory>();

        // Revocation must bite within seconds, not at the default 30-minute stamp check: every cookie request re-reads the account.
        builder.Services.Configure<SecurityStampValidatorOptions>(options =>
        {
            options.ValidationInterval = TimeSpan.Zero;
            // The re-read principal is rebuilt from the account; when and how the person signed in must survive it.
            options.OnRefreshingPrincipal = context =>
            {
                var refreshed = context.NewPrincipal?.Identities.First();
                foreach (var claim in context.CurrentPrincipal?.Claims.Where(c => c.Type is Claims.AuthenticationTime or "amr") ?? [])
                {
                    refreshed?.AddClaim(new System.Security.Claims.Claim(claim.Type, claim.Value, claim.ValueType));
                }
                return Task.CompletedTask;
            };
        });

        builder.Services.ConfigureApplicationCookie(options =>
        {
            options.Cookie.Name = "consortium.session";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Lax;
            options.Cookie.SecurePolicy = requireHttps ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            // Idle timeout: the ticket's expiry is inside the encrypted cookie and checked by the server, renewed by use.
            options.ExpireTimeSpan = configuration.GetValue("Identity:SessionIdleTimeout", TimeSpan.FromHours(2));
            options.SlidingExpiration = true;
            options.LoginPath = "/account/login";
            options.LogoutPath = "/account/logout";
            options.AccessDeniedPath = "/account/login";
            // The API and the hub answer 401/403; only pages redirect to the login page.
            options.Events.OnRedirectToLogin = context => RedirectOrStatus(context, StatusCodes.Status401Unauthorized);
            options.Events.OnRedirectToAccessDenied = context => RedirectOrStatus(context, StatusCodes.Status403Forbidden);
            // Absolute lifetime: however active, a session ends this long after its sign-in (a stolen laptop's session
            // does not live for ever). Then Identity's security stamp check, which sign-out defeats for copied cookies.
            var stampCheck = options.Events.OnValidatePrincipal;
            options.Events.OnValidatePrincipal = async context =>
            {
                if (context.HttpContext.RequestServices.GetRequiredService<SessionValidity>().OutlivedItsLifetime(context.Principal!))
                {
                    context.RejectPrincipal();
                    await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
                    return;
                }
                await stampCheck(context);
            };
        });
        builder.Services.Configure<IdentityPasskeyOptions>(options =>
        {
            // A passkey signs in alone, so it must be both factors: the authenticator verifies the person (PIN or
            // biometrics), and sign-in names no account first, so the credential must be discoverable.
            options.UserVerificationRequirement = "required";
            options.ResidentKeyRequirement = "required";
            // Passkeys are bound to this domain; by default the host the browser asked for. Set it when the server
            // is reached under several names, or the passkeys registered under one will not work under the others.
            if (configuration["Identity:PasskeyServerDomain"] is { Length: > 0 } domain)
            {
                options.ServerDomain = domain;
            }
        });
        builder.Services.ConfigureExternalCookie(options => options.Cookie.Name = "consortium.external");
        builder.Services.AddAuthentication()
            .AddCookie(EnrolmentCookie.Scheme, options =>
            {
                options.Cookie.Name = "consortium.enrolment";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Strict;
                options.Cookie.SecurePolicy = requireHttps ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
                options.ExpireTimeSpan = TimeSpan.FromMinutes(10);
                options.SlidingExpiration = false;
                options.LoginPath = "/account/login";
            })
            // A hub request with ?access_token= is a bearer request (SignalR puts the token there when it cannot send
            // headers), never a cookie one: SameOriginWrites skips the Origin check for exactly these two shapes, so a
            // bogus token beside a session cookie must fail, not fall back to the cookie.
            .AddPolicyScheme(ApiScheme, "Cookie or bearer token", options => options.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                || (context.Request.Path.StartsWithSegments("/hubs") && context.Request.Query.ContainsKey("access_token"))
                    ? OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme
                    : IdentityConstants.ApplicationScheme);

        builder.Services.AddOpenIddict()
            .AddCore(options => options.UseEntityFrameworkCore().UseDbContext<IdentityStore>())
            .AddServer(options =>
            {
                options.SetAuthorizationEndpointUris("connect/authorize")
                    .SetTokenEndpointUris("connect/token")
                    .SetIntrospectionEndpointUris("connect/introspect")
                    .SetRevocationEndpointUris("connect/revoke")
                    .SetEndSessionEndpointUris("connect/logout")
                    .SetUserInfoEndpointUris("connect/userinfo");
                // PKCE with S256 only: "plain" sends the verifier's twin in the clear and protects nothing.
                options.Configure(server => server.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain));
                options.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange()
                    .AllowClientCredentialsFlow()
                    .AllowRefreshTokenFlow();
                options.RegisterScopes(Scopes.OpenId, Scopes.Profile, Scopes.OfflineAccess, ApiScope);
                // Tokens name their issuer; by default the address the request came to. Behind a load balancer every node
                // sees the same public address, but a deployment reached under several names (or nodes addressed one by
                // one) sets it, or a token from one node is refused by another (decision 0029).
                if (configuration["Identity:Issuer"] is { Length: > 0 } issuer)
                {
                    options.SetIssuer(new Uri(issuer, UriKind.Absolute));
                }
                options.SetAccessTokenLifetime(TimeSpan.FromMinutes(30));
                options.SetRefreshTokenLifetime(TimeSpan.FromDays(14));
                options.AddSigningCertificate(databaseKeys?.Certificate("token-signing", X509KeyUsageFlags.DigitalSignature)
                    ?? KeyFiles.LoadOrCreate(keysDirectory, "token-signing", X509KeyUsageFlags.DigitalSignature));
                options.AddEncryptionCertificate(databaseKeys?.Certificate("token-encryption", X509KeyUsageFlags.KeyEncipherment)
                    ?? KeyFiles.LoadOrCreate(keysDirectory, "token-encryption", X509KeyUsageFlags.KeyEncipherment));
                var aspNetCore = options.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough()
                    .EnableUserInfoEndpointPassthrough();
                if (!requireHttps)
                {
                    aspNetCore.DisableTransportSecurityRequirement();
                }
            })
            .AddValidation(options =>
            {
                options.UseLocalServer();
                options.UseAspNetCore();
                // A token minted for another resource (or for no API at all: an id-only sign-in) is not a key to this one.
                options.AddAudiences(ApiAudience);
                // 7.8.0 is the only version we can get; 7.9.0 fixed a flaw in authorization-entry validation when
                // token-entry validation is off. Both on: a revoked token or authorization stops working at once.
                options.EnableTokenEntryValidation();
                options.EnableAuthorizationEntryValidation();
                // The same entry checks in one prepared statement instead of three EF Core loads (TokenEntryCheck).
                foreach (var replaced in TokenEntryCheck.Replaces)
                {
                    options.RemoveEventHandler(replaced);
                }
                options.AddEventHandler(TokenEntryCheck.Descriptor);
                // A token sent again is not decrypted again; the entry checks above still run on every request.
                options.AddEventHandler(ValidatedTokenCache.Reuse.Descriptor);
                options.AddEventHandler(ValidatedTokenCache.Remember.Descriptor);
            });
        builder.Services.AddSingleton<ValidatedTokenCache>();

        builder.Services.AddScoped<AccessRevocation>();
        builder.Services.AddSingleton<SessionValidity>();
        builder.Services.AddSingleton<SignInBackoff>();
        builder.Services.AddHostedService<SignInBackoffSchema>();
        builder.Services.AddScoped<SignInAudit>();
        builder.Services.AddSingleton<RecentSignIn>();
        builder.Services.AddRazorPages(options => options.RootDirectory = "/Identity/Pages");
        // The pages speak French, Spanish and Arabic (ServerText): written as characters, not as &#x...; entities.
        builder.Services.Configure<Microsoft.Extensions.WebEncoders.WebEncoderOptions>(options =>
            options.TextEncoderSettings = new System.Text.Encodings.Web.TextEncoderSettings(System.Text.Unicode.UnicodeRanges.All));

        // AddIdentity made its cookie the default for authenticate and challenge; the API needs cookie-or-bearer for all.
        builder.Services.AddAuthentication(options =>
        {
            options.DefaultScheme = ApiScheme;
            options.DefaultAuthenticateScheme = ApiScheme;
            options.DefaultChallengeScheme = ApiScheme;
            options.DefaultForbidScheme = ApiScheme;
        });
        // Default and fallback alike (endpoints that say RequireAuthorization() and the hub's [Authorize] use the default):
        // a person or sync client of an outlet, and for bearer tokens the API scope.
        var apiCaller = new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder(ApiScheme)
            .RequireAuthenticatedUser()
            .RequireClaim(ConsortiumUser.OutletClaim)
            .RequireAssertion(context => context.User.GetTokenId() is null || context.User.HasScope(ApiScope))
            .Build();
        builder.Services.AddAuthorizationBuilder().SetDefaultPolicy(apiCaller).SetFallbackPolicy(apiCaller);
        return builder;
    }

    public static IEndpointRouteBuilder MapConsortiumIdentity(this IEndpointRouteBuilder app)
    {
        app.MapRazorPages().AllowAnonymous();
        app.MapConnectEndpoints();
        app.MapGet("/account/account.css", () => Results.Stream(
            typeof(IdentityRegistration).Assembly.GetManifestResourceStream("account.css")!, "text/css")).AllowAnonymous().ExcludeFromDescription();
        // Script comes from this server only (the CSP forbids inline script): the passkey ceremonies of the sign-in pages.
        app.MapGet("/account/passkeys.js", () => Results.Stream(
            typeof(IdentityRegistration).Assembly.GetManifestResourceStream("passkeys.js")!, "text/javascript")).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    private static Task RedirectOrStatus(RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> context, int status)
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments("/api") || path.StartsWithSegments("/hubs") || path.StartsWithSegments("/connect/userinfo"))
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        }
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }
}

/// <summary>Applies the identity schema's migrations at start, before anyone can sign in.</summary>
internal sealed class IdentitySchemaMigrator(IServiceProvider services) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IdentityStore>().Database.MigrateAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
