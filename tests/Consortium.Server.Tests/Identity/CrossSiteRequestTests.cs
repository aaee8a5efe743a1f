using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace Consortium.Server.Tests.Identity;

/// <summary>Another site's page making a signed-in browser write, connect to the hub or sign out: refused by origin.</summary>
[Collection(IdentityCollection.Name)]
public sealed class CrossSiteRequestTests(ConsortiumServer server) : ServerTest(server)
{
    private const string EvilOrigin = "https://evil.example";

    private async Task<(HttpClient Browser, CookieContainer Cookies)> SignedInBrowserAsync(string user)
    {
        var cookies = new CookieContainer();
        var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies }) { BaseAddress = Server.BaseAddress };
        await Server.Accounts.SignInOnPagesAsync(browser, new Uri(Server.BaseAddress, "account/login?ReturnUrl=%2F"), await Server.Accounts.AccountAsync(user));
        return (browser, cookies);
    }

    private string OwnOrigin => Server.BaseAddress.GetLeftPart(UriPartial.Authority);

    private static HttpRequestMessage Post(string path, string? origin, string? fetchSite = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = JsonContent.Create(new NewInvestigation("Forged", "", ["alpha"])),
        };
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }
        if (fetchSite is not null)
        {
            request.Headers.Add("Sec-Fetch-Site", fetchSite);
        }
        return request;
    }

    [Fact]
    public async Task A_cookie_write_sent_from_another_sites_page_is_refused_and_nothing_is_stored()
    {
        var (browser, _) = await SignedInBrowserAsync("ines@alpha");
        using var __ = browser;

        using var forged = await browser.SendAsync(Post("api/investigations", EvilOrigin));
        using var forgedWithoutOrigin = await browser.SendAsync(Post("api/investigations", null, "cross-site"));
        using var signOut = await browser.SendAsync(Post("api/session/sign-out", EvilOrigin));

        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        Assert.Equal("application/problem+json", forged.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Forbidden, forgedWithoutOrigin.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, signOut.StatusCode);
        Assert.Empty(await Server.ClientFor("ines@alpha").ListInvestigationsAsync());
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("api/me")).StatusCode);
        // The server's own pages still write.
        using var own = await browser.SendAsync(Post("api/investigations", OwnOrigin, "same-origin"));
        Assert.Equal(HttpStatusCode.Created, own.StatusCode);
    }

    [Fact]
    public async Task A_hub_connection_from_another_sites_page_is_refused_but_one_from_our_pages_opens()
    {
        var (browser, cookies) = await SignedInBrowserAsync("tom@bravo");
        using var _ = browser;
        HubConnection Connect(string origin) => new HubConnectionBuilder()
            .WithUrl(new Uri(Server.BaseAddress, "hubs/consortium"), o =>
            {
                o.Cookies = cookies;
                o.Headers["Origin"] = origin;
            })
            .Build();

        await using var hijacked = Connect(EvilOrigin);
        await Assert.ThrowsAnyAsync<Exception>(() => hijacked.StartAsync());
        await using var own = Connect(OwnOrigin);
        await own.StartAsync();
        Assert.Equal(HubConnectionState.Connected, own.State);
    }

    [Fact]
    public async Task A_bearer_token_request_is_not_subject_to_the_origin_check()
    {
        using var tool = Server.AnonymousClient();
        tool.DefaultRequestHeaders.Authorization = new("Bearer", await Server.Accounts.AccessTokenAsync("ines@alpha"));

        using var created = await tool.SendAsync(Post("api/investigations", EvilOrigin));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    [Fact]
    public async Task A_sign_out_link_without_a_token_hint_asks_first_and_ends_nothing_until_confirmed()
    {
        var (browser, _) = await SignedInBrowserAsync("marie@alpha");
        using var __ = browser;

        using var linked = await browser.GetAsync("connect/logout");

        Assert.Equal(HttpStatusCode.OK, linked.StatusCode);
        Assert.Contains("Sign out of Consortium?", await linked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("api/me")).StatusCode);

        using var confirm = new HttpRequestMessage(HttpMethod.Post, "connect/logout") { Content = new FormUrlEncodedContent([]), Headers = { { "Origin", OwnOrigin } } };
        using var confirmed = await browser.SendAsync(confirm);

        Assert.Equal(HttpStatusCode.Redirect, confirmed.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("api/me")).StatusCode);
    }
}
