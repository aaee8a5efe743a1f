using System.Net;
using System.Security.Claims;
using System.Text.Json;
using System.Text.RegularExpressions;
using Consortium.Server.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Consortium.Server.Tests.Identity;

/// <summary>
/// The passkeys page over HTTP: who may open it, and the re-authentication it asks for before a passkey is added.
/// The ceremonies themselves run in real Chromium (Consortium.Browser.Tests/PasskeyTests).
/// </summary>
[Collection(IdentityCollection.Name)]
public sealed partial class PasskeyPageTests(ConsortiumServer server) : ServerTest(server)
{
    private static readonly Uri Page = new("account/passkeys", UriKind.Relative);

    /// <summary>
    /// A browser session as the server would have issued it to <paramref name="user"/> at <paramref name="signedInAt"/>
    /// (sealed with the server's own cookie protection): waiting ten minutes in a test is not an option.
    /// </summary>
    private async Task<HttpClient> SessionSignedInAtAsync(string user, DateTimeOffset signedInAt)
    {
        var account = await Server.Accounts.AccountAsync(user);
        await using var scope = Server.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsortiumAccount>>();
        var signIn = scope.ServiceProvider.GetRequiredService<SignInManager<ConsortiumAccount>>();
        var principal = await signIn.CreateUserPrincipalAsync((await users.FindByIdAsync(account.Id))!);
        principal.Identities.First().AddClaims([new Claim("amr", "mfa"), RecentSignIn.Now(new FixedClock(signedInAt))]);
        var properties = new AuthenticationProperties { IssuedUtc = signedInAt, ExpiresUtc = DateTimeOffset.UtcNow.AddHours(1) };
        var cookie = scope.ServiceProvider.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(IdentityConstants.ApplicationScheme);
        var cookies = new CookieContainer();
        cookies.Add(Server.BaseAddress, new Cookie(cookie.Cookie.Name!, cookie.TicketDataFormat.Protect(new AuthenticationTicket(principal, properties, IdentityConstants.ApplicationScheme))));
        return new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies }) { BaseAddress = Server.BaseAddress };
    }

    private static async Task<(string Html, string Token)> PageAsync(HttpClient browser)
    {
        var html = await browser.GetStringAsync(Page);
        var token = AntiforgeryField().Match(html);
        return (html, token.Success ? WebUtility.HtmlDecode(token.Groups[1].Value) : throw new InvalidOperationException("The page has no form."));
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient browser, string handler, string token, params (string Name, string Value)[] fields) =>
        browser.PostAsync($"{Page}?handler={handler}", new FormUrlEncodedContent(
            fields.Select(f => KeyValuePair.Create(f.Name, f.Value)).Append(KeyValuePair.Create("__RequestVerificationToken", token))));

    [Fact]
    public async Task Signed_out_browser_and_bearer_token_are_sent_to_the_login_page()
    {
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = Server.BaseAddress };
        using var asAnonymous = await anonymous.GetAsync(Page);
        Assert.Equal(HttpStatusCode.Redirect, asAnonymous.StatusCode);
        Assert.Equal("/account/login?ReturnUrl=%2Faccount%2Fpasskeys", asAnonymous.Headers.Location!.OriginalString);

        // A tool's token is not a person at a browser: passkeys are managed from a session only.
        using var request = new HttpRequestMessage(HttpMethod.Get, Page);
        request.Headers.Authorization = new("Bearer", await Server.Accounts.AccessTokenAsync("tom@bravo"));
        using var asTool = await anonymous.SendAsync(request);
        Assert.Equal(HttpStatusCode.Redirect, asTool.StatusCode);
    }

    [Fact]
    public async Task Fresh_session_gets_options_requiring_a_verified_discoverable_passkey_without_entering_its_password_again()
    {
        var account = await Server.Accounts.AccountAsync("tom@bravo");
        using var browser = await Server.Accounts.BrowserSessionAsync("tom@bravo");

        var (html, token) = await PageAsync(browser);
        Assert.Contains("Add a passkey", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Confirm password", html, StringComparison.Ordinal);
        using var options = await PostAsync(browser, "CreationOptions", token);

        Assert.Equal(HttpStatusCode.OK, options.StatusCode);
        using var json = JsonDocument.Parse(await options.Content.ReadAsStringAsync());
        var root = json.RootElement;
        Assert.Equal(account.Email, root.GetProperty("user").GetProperty("name").GetString());
        Assert.Equal(account.DisplayName, root.GetProperty("user").GetProperty("displayName").GetString());
        Assert.Equal("required", root.GetProperty("authenticatorSelection").GetProperty("userVerification").GetString());
        Assert.Equal("required", root.GetProperty("authenticatorSelection").GetProperty("residentKey").GetString());
    }

    [Fact]
    public async Task Session_signed_in_over_ten_minutes_ago_must_enter_its_password_again_before_adding_a_passkey()
    {
        using var browser = await SessionSignedInAtAsync("tom@bravo", DateTimeOffset.UtcNow.AddMinutes(-11));

        var (html, token) = await PageAsync(browser);
        Assert.Contains("Confirm password", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Add a passkey", html, StringComparison.Ordinal);
        using (var refused = await PostAsync(browser, "CreationOptions", token))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        using (var wrong = await PostAsync(browser, "Confirm", token, ("Password", "not the password at all")))
        {
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
            Assert.Contains("That password is not right.", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var right = await PostAsync(browser, "Confirm", token, ("Password", TestAccounts.Password)))
        {
            Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        }

        (html, token) = await PageAsync(browser);
        Assert.Contains("Add a passkey", html, StringComparison.Ordinal);
        using var options = await PostAsync(browser, "CreationOptions", token);
        Assert.Equal(HttpStatusCode.OK, options.StatusCode);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
