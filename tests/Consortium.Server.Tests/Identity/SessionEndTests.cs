using System.Net;
using Consortium.Server.Identity;
using Duende.IdentityModel.Client;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Consortium.Server.Tests.Identity;

/// <summary>
/// Ending a session ends it on the server: a copied cookie, a live hub socket opened with a revoked token or a signed-out
/// session, a deleted sync client's socket, all stop within seconds.
/// </summary>
[Collection(IdentityCollection.Name)]
public sealed class SessionEndTests(ConsortiumServer server) : ServerTest(server)
{
    private static readonly TimeSpan CutOff = TimeSpan.FromSeconds(5);

    private async Task<(HttpClient Browser, CookieContainer Cookies)> SignedInBrowserAsync(string user)
    {
        var cookies = new CookieContainer();
        var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies }) { BaseAddress = Server.BaseAddress };
        var account = await Server.Accounts.AccountAsync(user);
        await Server.Accounts.SignInOnPagesAsync(browser, new Uri(Server.BaseAddress, "account/login?ReturnUrl=%2F"), account);
        return (browser, cookies);
    }

    private async Task<(HubConnection Connection, Task Closed)> OpenHubAsync(Action<Microsoft.AspNetCore.Http.Connections.Client.HttpConnectionOptions> credentials)
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var connection = new HubConnectionBuilder().WithUrl(new Uri(Server.BaseAddress, "hubs/consortium"), credentials).Build();
        connection.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        await connection.StartAsync();
        return (connection, closed.Task);
    }

    private static async Task AssertClosesAsync(Task closed) =>
        Assert.Same(closed, await Task.WhenAny(closed, Task.Delay(CutOff)));

    [Fact]
    public async Task A_session_cookie_copied_before_sign_out_is_refused_after_it_and_its_socket_closes()
    {
        var (browser, cookies) = await SignedInBrowserAsync("tom@bravo");
        using var _ = browser;
        var copied = cookies.GetCookieHeader(Server.BaseAddress);
        var (connection, closed) = await OpenHubAsync(o => o.Cookies = cookies);
        await using var __ = connection;

        Assert.Equal(HttpStatusCode.NoContent, (await browser.PostAsync("api/session/sign-out", null)).StatusCode);

        await AssertClosesAsync(closed);
        using var thief = Server.AnonymousClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/me") { Headers = { { "Cookie", copied } } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await thief.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task Sockets_whose_token_or_session_still_holds_stay_open_across_the_periodic_checks()
    {
        var token = await Server.Accounts.AccessTokenAsync("ines@alpha");
        var (_, cookies) = await SignedInBrowserAsync("tom@bravo");
        var (tool, toolClosed) = await OpenHubAsync(o => o.AccessTokenProvider = () => Task.FromResult<string?>(token));
        await using var _ = tool;
        var (page, pageClosed) = await OpenHubAsync(o => o.Cookies = cookies);
        await using var __ = page;

        await Task.Delay(TimeSpan.FromSeconds(5));

        Assert.False(toolClosed.IsCompleted);
        Assert.False(pageClosed.IsCompleted);
        Assert.Equal(HubConnectionState.Connected, tool.State);
    }

    [Fact]
    public async Task A_hub_socket_opened_with_a_token_closes_once_the_token_is_revoked()
    {
        var signedIn = await Server.Accounts.SignInWithCodeFlowAsync("ines@alpha");
        var (connection, closed) = await OpenHubAsync(o => o.AccessTokenProvider = () => Task.FromResult<string?>(signedIn.AccessToken));
        await using var _ = connection;
        using var http = Server.AnonymousClient();

        foreach (var (token, hint) in new[] { (signedIn.AccessToken!, "access_token"), (signedIn.RefreshToken!, "refresh_token") })
        {
            var revoked = await http.RevokeTokenAsync(new TokenRevocationRequest
            {
                Address = new Uri(Server.BaseAddress, "connect/revoke").ToString(),
                ClientId = BuiltInClients.CliClientId,
                Token = token,
                TokenTypeHint = hint,
            });
            Assert.False(revoked.IsError, revoked.Error);
        }

        await AssertClosesAsync(closed);
        // And it cannot come back with the same token.
        await Assert.ThrowsAnyAsync<Exception>(() => OpenHubAsync(o => o.AccessTokenProvider = () => Task.FromResult<string?>(signedIn.AccessToken)));
    }

    [Fact]
    public async Task A_deleted_sync_client_loses_its_live_socket()
    {
        await Server.Accounts.AccountAsync("nadia@bravo", outletAdmin: true);
        var admin = Server.ClientFor("nadia@bravo");
        var credentials = await admin.RegisterSyncClientAsync(new NewSyncClient("Bravo newsroom sync"));
        using var http = Server.AnonymousClient();
        var token = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = new Uri(Server.BaseAddress, "connect/token").ToString(),
            ClientId = credentials.ClientId,
            ClientSecret = credentials.ClientSecret,
            Scope = IdentityRegistration.ApiScope,
        });
        Assert.False(token.IsError, token.Error);
        var (connection, closed) = await OpenHubAsync(o => o.AccessTokenProvider = () => Task.FromResult<string?>(token.AccessToken));
        await using var _ = connection;

        using var administrator = Server.AnonymousClient();
        administrator.DefaultRequestHeaders.Authorization = new("Bearer", await Server.Accounts.AccessTokenAsync("nadia@bravo"));
        Assert.Equal(HttpStatusCode.NoContent, (await administrator.DeleteAsync($"api/outlet/clients/{credentials.ClientId}")).StatusCode);

        await AssertClosesAsync(closed);
    }

    [Fact]
    public async Task A_changed_security_stamp_closes_every_browser_socket_of_the_person()
    {
        var (first, firstCookies) = await SignedInBrowserAsync("marie@alpha");
        var (second, secondCookies) = await SignedInBrowserAsync("marie@alpha");
        using var _ = first;
        using var __ = second;
        var (laptop, laptopClosed) = await OpenHubAsync(o => o.Cookies = firstCookies);
        await using var ___ = laptop;
        var (phone, phoneClosed) = await OpenHubAsync(o => o.Cookies = secondCookies);
        await using var ____ = phone;

        // What a password change or an operator's "sign out everywhere" does underneath.
        await using (var scope = Server.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsortiumAccount>>();
            await users.UpdateSecurityStampAsync((await users.FindByIdAsync((await Server.Accounts.AccountAsync("marie@alpha")).Id))!);
        }

        await AssertClosesAsync(laptopClosed);
        await AssertClosesAsync(phoneClosed);
        Assert.Equal(HttpStatusCode.Unauthorized, (await first.GetAsync("api/me")).StatusCode);
    }
}

/// <summary>Idle timeout and absolute lifetime of browser sessions, on a server configured with short ones.</summary>
[Collection(ShortSessionCollection.Name)]
public sealed class SessionLifetimeTests(ShortSessionServer server) : ServerTest(server)
{
    private async Task<HttpClient> SignedInBrowserAsync(string user) => await Server.Accounts.BrowserSessionAsync(user);

    [Fact]
    public async Task A_session_left_idle_longer_than_the_idle_timeout_is_refused()
    {
        using var browser = await SignedInBrowserAsync("tom@bravo");
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("api/me")).StatusCode);

        await Task.Delay(TimeSpan.FromSeconds(5));

        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("api/me")).StatusCode);
    }

    [Fact]
    public async Task A_session_in_constant_use_still_ends_at_its_absolute_lifetime()
    {
        using var browser = await SignedInBrowserAsync("ines@alpha");
        var signedIn = DateTimeOffset.UtcNow;
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("api/me")).StatusCode);
        // Never idle for more than a second (the idle timeout is 4 s), for longer than the 9 s lifetime.
        while (DateTimeOffset.UtcNow < signedIn.AddSeconds(10))
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            (await browser.GetAsync("api/me")).Dispose();
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("api/me")).StatusCode);
    }
}
