using System.Net;

namespace Consortium.Server.Tests.Identity;

/// <summary>
/// Another site's page opening the hub with the victim's cookie and a made-up ?access_token= (which once skipped the
/// Origin check while the cookie still authenticated the connection).
/// </summary>
[Collection(IdentityCollection.Name)]
public sealed class HubOriginBypassTests(ConsortiumServer server) : ServerTest(server)
{
    private async Task<HttpClient> SignedInBrowserAsync(string user)
    {
        var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = Server.BaseAddress };
        await Server.Accounts.SignInOnPagesAsync(browser, new Uri(Server.BaseAddress, "account/login?ReturnUrl=%2F"), await Server.Accounts.AccountAsync(user));
        return browser;
    }

    private static HttpRequestMessage Negotiate(string? accessToken, string origin) =>
        new(HttpMethod.Post, "hubs/consortium/negotiate?negotiateVersion=1" + (accessToken is null ? "" : "&access_token=" + accessToken))
        {
            Headers = { { "Origin", origin } },
        };

    [Fact]
    public async Task A_cookie_hub_connection_from_another_site_with_a_bogus_access_token_in_the_query_is_refused()
    {
        using var browser = await SignedInBrowserAsync("ines@alpha");

        using var forged = await browser.SendAsync(Negotiate("not-a-token", "https://evil.example"));
        using var forgedWithoutToken = await browser.SendAsync(Negotiate(null, "https://evil.example"));

        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, forgedWithoutToken.StatusCode);
        // The server's own page still connects with the cookie alone.
        using var own = await browser.SendAsync(Negotiate(null, Server.BaseAddress.GetLeftPart(UriPartial.Authority)));
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
    }

    [Fact]
    public async Task A_tool_connecting_with_a_real_token_in_the_query_still_connects_from_anywhere()
    {
        var token = await Server.Accounts.AccessTokenAsync("ines@alpha");
        using var tool = Server.AnonymousClient();

        using var negotiated = await tool.SendAsync(Negotiate(Uri.EscapeDataString(token), "https://elsewhere.example"));

        Assert.Equal(HttpStatusCode.OK, negotiated.StatusCode);
    }
}
