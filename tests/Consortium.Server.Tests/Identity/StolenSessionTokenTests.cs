using System.Net;
using System.Security.Cryptography;
using System.Text;
using Consortium.Server.Identity;
using Duende.IdentityModel;
using Duende.IdentityModel.Client;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Consortium.Server.Tests.Identity;

/// <summary>
/// A thief with a copy of a live session cookie asks /connect/authorize (prompt=none, offline_access) for the built-in
/// command-line client's tokens. Whatever they got dies with the session: at sign-out, and at any new security stamp.
/// </summary>
[Collection(IdentityCollection.Name)]
public sealed class StolenSessionTokenTests(ConsortiumServer server) : ServerTest(server)
{
    private async Task<(HttpClient Browser, string Cookie)> VictimSignedInAsync(string user)
    {
        var cookies = new CookieContainer();
        var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies }) { BaseAddress = Server.BaseAddress };
        await Server.Accounts.SignInOnPagesAsync(browser, new Uri(Server.BaseAddress, "account/login?ReturnUrl=%2F"), await Server.Accounts.AccountAsync(user));
        return (browser, cookies.GetCookieHeader(Server.BaseAddress));
    }

    /// <summary>The thief's silent authorization with the copied cookie, then the code exchange.</summary>
    private async Task<TokenResponse> TokensFromCopiedCookieAsync(string cookie)
    {
        using var thief = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = Server.BaseAddress };
        var verifier = CryptoRandom.CreateUniqueId(32);
        var challenge = Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlEncode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var url = new RequestUrl(new Uri(Server.BaseAddress, "connect/authorize").ToString()).CreateAuthorizeUrl(
            clientId: BuiltInClients.CliClientId, responseType: "code", scope: "openid offline_access consortium.api",
            redirectUri: BuiltInClients.CliRedirectUri, state: "s", codeChallenge: challenge, codeChallengeMethod: "S256", prompt: "none");
        using var authorize = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { { "Cookie", cookie } } };
        using var callback = await thief.SendAsync(authorize);
        var code = new AuthorizeResponse(callback.Headers.Location!.ToString()).Code;
        Assert.NotNull(code);
        var tokens = await thief.RequestAuthorizationCodeTokenAsync(new AuthorizationCodeTokenRequest
        {
            Address = "connect/token",
            ClientId = BuiltInClients.CliClientId,
            Code = code,
            RedirectUri = BuiltInClients.CliRedirectUri,
            CodeVerifier = verifier,
        });
        Assert.False(tokens.IsError, tokens.Error);
        Assert.NotNull(tokens.RefreshToken);
        return tokens;
    }

    private async Task<TokenResponse> RefreshAsync(string refreshToken)
    {
        using var http = Server.AnonymousClient();
        return await http.RequestRefreshTokenAsync(new RefreshTokenRequest { Address = "connect/token", ClientId = BuiltInClients.CliClientId, RefreshToken = refreshToken });
    }

    [Fact]
    public async Task Tokens_a_thief_minted_from_a_copied_cookie_stop_working_when_the_person_signs_out_and_their_socket_closes()
    {
        var (browser, cookie) = await VictimSignedInAsync("vera@bravo");
        using var _ = browser;
        var stolen = await TokensFromCopiedCookieAsync(cookie);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var socket = new HubConnectionBuilder()
            .WithUrl(new Uri(Server.BaseAddress, "hubs/consortium"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(stolen.AccessToken)).Build();
        socket.Closed += _ => { closed.TrySetResult(); return Task.CompletedTask; };
        await socket.StartAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await browser.PostAsync("api/session/sign-out", null)).StatusCode);

        Assert.Same(closed.Task, await Task.WhenAny(closed.Task, Task.Delay(TimeSpan.FromSeconds(5))));
        var refreshed = await RefreshAsync(stolen.RefreshToken!);
        Assert.True(refreshed.IsError);
        Assert.Equal("invalid_grant", refreshed.Error);
        using var api = Server.AnonymousClient();
        api.SetBearerToken(stolen.AccessToken!);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("api/me")).StatusCode);
    }

    [Fact]
    public async Task A_refresh_token_is_refused_once_the_account_has_a_new_security_stamp_even_if_nothing_revoked_it()
    {
        var (browser, cookie) = await VictimSignedInAsync("walt@alpha");
        using var _ = browser;
        var stolen = await TokensFromCopiedCookieAsync(cookie);
        var first = await RefreshAsync(stolen.RefreshToken!);
        Assert.False(first.IsError, first.Error);

        // A stamp change made anywhere (a future password change, an administrator's reset) without a revocation call.
        await using (var scope = Server.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsortiumAccount>>();
            await users.UpdateSecurityStampAsync((await users.FindByIdAsync((await Server.Accounts.AccountAsync("walt@alpha")).Id))!);
        }

        var refreshed = await RefreshAsync(first.RefreshToken ?? stolen.RefreshToken!);
        Assert.Equal("invalid_grant", refreshed.Error);
    }

    [Fact]
    public async Task A_sign_out_link_carrying_the_attackers_own_id_token_hint_still_asks_the_victim_first()
    {
        var attackers = await Server.Accounts.SignInWithCodeFlowAsync("mallory@alpha");
        var (browser, _) = await VictimSignedInAsync("vera@alpha");
        using var __ = browser;

        using var linked = await browser.GetAsync("connect/logout?id_token_hint=" + Uri.EscapeDataString(attackers.IdentityToken!));

        Assert.Equal(HttpStatusCode.OK, linked.StatusCode);
        Assert.Contains("Sign out of Consortium?", await linked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("api/me")).StatusCode);
    }

    [Fact]
    public async Task A_sign_out_link_with_the_persons_own_id_token_hint_signs_them_out_at_once()
    {
        var (browser, cookie) = await VictimSignedInAsync("hugo@bravo");
        using var __ = browser;
        var own = await TokensFromCopiedCookieAsync(cookie);

        using var linked = await browser.GetAsync("connect/logout?id_token_hint=" + Uri.EscapeDataString(own.IdentityToken!));

        Assert.Equal(HttpStatusCode.Redirect, linked.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("api/me")).StatusCode);
    }
}
