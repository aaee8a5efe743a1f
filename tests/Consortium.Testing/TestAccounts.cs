using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Consortium.Server.Identity;
using Duende.IdentityModel;
using Duende.IdentityModel.Client;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using OtpNet;

namespace Consortium.Testing;

/// <summary>
/// Real accounts with a password and an enrolled authenticator, and real tokens for them: obtained through the
/// authorization code flow with PKCE exactly as a person's tool would (login page, password, TOTP code, redirect with
/// a code), then exchanged at the token endpoint by an independent OpenID Connect client library (Duende.IdentityModel).
/// </summary>
public sealed partial class TestAccounts(IAccountHost server)
{
    public const string Password = "correct horse battery staple";
    private readonly ConcurrentDictionary<string, Lazy<Task<TestAccount>>> accounts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> tokens = new(StringComparer.Ordinal);

    /// <summary>The account "person@outlet" (email person@outlet.test), created on first use with 2FA enrolled.</summary>
    public Task<TestAccount> AccountAsync(string user, bool outletAdmin = false) =>
        accounts.GetOrAdd(user, _ => new Lazy<Task<TestAccount>>(() => CreateAsync(user, outletAdmin))).Value;

    /// <summary>Uses an account that already exists in the database (created through another server on the same database).</summary>
    public void Remember(string user, TestAccount account) =>
        accounts[user] = new Lazy<Task<TestAccount>>(Task.FromResult(account));

    /// <summary>A cached access token for <paramref name="user"/>.</summary>
    public Task<string> AccessTokenAsync(string user) =>
        tokens.GetOrAdd(user, _ => new Lazy<Task<string>>(async () => (await SignInWithCodeFlowAsync(user)).AccessToken!)).Value;

    /// <summary>Forgets every token, and every account unless <paramref name="keepAccounts"/> (the server's identity data was reset).</summary>
    public void Forget(bool keepAccounts = false)
    {
        tokens.Clear();
        if (!keepAccounts)
        {
            accounts.Clear();
        }
    }

    private async Task<TestAccount> CreateAsync(string user, bool outletAdmin)
    {
        var at = user.LastIndexOf('@');
        var person = user[..at];
        var outlet = user[(at + 1)..];
        await using var scope = server.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsortiumAccount>>();
        var account = new ConsortiumAccount
        {
            UserName = $"{person}@{outlet}.test",
            Email = $"{person}@{outlet}.test",
            EmailConfirmed = true,
            DisplayName = string.Join(' ', person.Split('.').Select(p => char.ToUpperInvariant(p[0]) + p[1..])),
            OutletId = outlet,
            OutletAdmin = outletAdmin,
        };
        Check(await users.CreateAsync(account, Password));
        Check(await users.ResetAuthenticatorKeyAsync(account));
        Check(await users.SetTwoFactorEnabledAsync(account, true));
        var key = (await users.GetAuthenticatorKeyAsync(account))!;
        return new TestAccount(account.Id, account.Email, account.DisplayName, outlet, key);
    }

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(string.Join("; ", result.Errors.Select(e => e.Description)));
        }
    }

    // The newest time step each account's code was taken from: the server takes each step's code once only.
    private static readonly ConcurrentDictionary<string, long> lastSteps = new(StringComparer.Ordinal);

    /// <summary>
    /// A TOTP code of an account that the server has not seen yet: the current one, or when this process used it already,
    /// the next step's (the server accepts up to two steps ahead, for phones whose clocks run fast); beyond that it waits.
    /// </summary>
    public static string TotpCode(TestAccount account)
    {
        while (true)
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 30;
            var last = lastSteps.GetOrAdd(account.Id, now - 1);
            var step = Math.Max(now, last + 1);
            if (step > now + 1)
            {
                Thread.Sleep(TimeSpan.FromSeconds(1));
                continue;
            }
            if (lastSteps.TryUpdate(account.Id, step, last))
            {
                return new Totp(Base32Encoding.ToBytes(account.AuthenticatorKey)).ComputeTotp(DateTimeOffset.FromUnixTimeSeconds(step * 30).UtcDateTime);
            }
        }
    }

    /// <summary>A TOTP code of the account's current time step, whether or not it was used already (for replay tests).</summary>
    public static string CurrentTotpCode(TestAccount account) => new Totp(Base32Encoding.ToBytes(account.AuthenticatorKey)).ComputeTotp();

    /// <summary>Runs the whole authorization code flow with PKCE for <paramref name="user"/> and returns the token response.</summary>
    public async Task<TokenResponse> SignInWithCodeFlowAsync(string user, string scope = "openid profile offline_access consortium.api")
    {
        var account = await AccountAsync(user);
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
        using var browser = new HttpClient(handler) { BaseAddress = server.BaseAddress };

        var verifier = CryptoRandom.CreateUniqueId(32);
        var challenge = Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlEncode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var state = CryptoRandom.CreateUniqueId(16);
        var authorize = new RequestUrl(new Uri(server.BaseAddress, "connect/authorize").ToString()).CreateAuthorizeUrl(
            clientId: BuiltInClients.CliClientId, responseType: "code", scope: scope, redirectUri: BuiltInClients.CliRedirectUri,
            state: state, codeChallenge: challenge, codeChallengeMethod: "S256");

        var toLogin = await browser.GetAsync(authorize);
        var backToAuthorize = await SignInOnPagesAsync(browser, Location(toLogin), account);
        var callback = await browser.GetAsync(backToAuthorize);
        var redirect = new AuthorizeResponse(Location(callback).ToString());
        if (redirect.IsError || redirect.State != state)
        {
            throw new InvalidOperationException($"Authorization failed for {user}: {redirect.Error} {redirect.ErrorDescription}");
        }

        using var tokenClient = new HttpClient { BaseAddress = server.BaseAddress };
        var token = await tokenClient.RequestAuthorizationCodeTokenAsync(new AuthorizationCodeTokenRequest
        {
            Address = new Uri(server.BaseAddress, "connect/token").ToString(),
            ClientId = BuiltInClients.CliClientId,
            Code = redirect.Code!,
            RedirectUri = BuiltInClients.CliRedirectUri,
            CodeVerifier = verifier,
        });
        return token.IsError ? throw new InvalidOperationException($"Token request failed for {user}: {token.Error} {token.ErrorDescription}") : token;
    }

    /// <summary>
    /// A cookie session as a browser gets it: the login page with password, then the authenticator code.
    /// The returned client carries the session cookie and follows no redirects.
    /// </summary>
    public async Task<HttpClient> BrowserSessionAsync(string user)
    {
        var account = await AccountAsync(user);
        var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = server.BaseAddress };
        var afterSignIn = await SignInOnPagesAsync(browser, new Uri(server.BaseAddress, "account/login?ReturnUrl=%2F"), account);
        return afterSignIn.AbsolutePath == "/" ? browser : throw new InvalidOperationException($"Sign-in of {user} ended at {afterSignIn}.");
    }

    /// <summary>Posts the login form, then the second-factor form, and returns where the server sends the browser next.</summary>
    public async Task<Uri> SignInOnPagesAsync(HttpClient browser, Uri loginPage, TestAccount account, string? password = null)
    {
        var loginForm = await browser.GetStringAsync(loginPage);
        var toSecondFactor = await browser.PostAsync(loginPage, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = account.Email,
            ["Password"] = password ?? Password,
            ["ReturnUrl"] = ReturnUrlOf(loginPage),
            ["__RequestVerificationToken"] = AntiforgeryToken(loginForm),
        }));
        var secondFactorPage = Location(toSecondFactor);
        var secondFactorForm = await browser.GetStringAsync(secondFactorPage);
        var afterSecondFactor = await browser.PostAsync(secondFactorPage, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Code"] = TotpCode(account),
            ["ReturnUrl"] = ReturnUrlOf(secondFactorPage),
            ["__RequestVerificationToken"] = AntiforgeryToken(secondFactorForm),
        }));
        return Location(afterSecondFactor);
    }

    /// <summary>
    /// Posts the login form once with the given password, to <paramref name="node"/> when given (another server of a
    /// cluster), else to the server; returns the page's answer (a redirect when the password was right).
    /// </summary>
    public async Task<HttpResponseMessage> PostPasswordAsync(HttpClient browser, string email, string password, Uri? node = null)
    {
        var loginPage = new Uri(node ?? server.BaseAddress, "account/login");
        var loginForm = await browser.GetStringAsync(loginPage);
        return await browser.PostAsync(loginPage, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = email,
            ["Password"] = password,
            ["__RequestVerificationToken"] = AntiforgeryToken(loginForm),
        }));
    }

    private Uri Location(HttpResponseMessage response)
    {
        if (response.StatusCode is not (HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther))
        {
            throw new InvalidOperationException($"Expected a redirect from {response.RequestMessage?.RequestUri}, got {(int)response.StatusCode}.");
        }
        var location = response.Headers.Location!;
        return location.IsAbsoluteUri ? location : new Uri(server.BaseAddress, location);
    }

    private static string ReturnUrlOf(Uri page) =>
        System.Web.HttpUtility.ParseQueryString(page.Query)["ReturnUrl"] ?? "/";

    private static string AntiforgeryToken(string html) => AntiforgeryField().Match(html) is { Success: true } match
        ? WebUtility.HtmlDecode(match.Groups[1].Value)
        : throw new InvalidOperationException("The form has no antiforgery token.");

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}

/// <summary>
/// Where accounts are made and signed in: the server's services (its account store, for creating accounts as an operator
/// would) and its address (for signing in over HTTP). The in-process test server, or a server running as its own process.
/// </summary>
public interface IAccountHost
{
    IServiceProvider Services { get; }

    Uri BaseAddress { get; }
}

/// <summary>A test account: its id (the tokens' subject), email, display name, outlet and authenticator key.</summary>
public sealed record TestAccount(string Id, string Email, string DisplayName, string OutletId, string AuthenticatorKey);
