using System.CommandLine;
using System.Net;
using Consortium.Cli;

namespace Consortium.Server.Tests.Identity;

/// <summary>`consortium login`: the authorization code flow with PKCE through the loopback redirect, as a person runs it.</summary>
[Collection(IdentityCollection.Name)]
public sealed class CommandLineLoginTests(ConsortiumServer server) : ServerTest(server)
{
    [Fact]
    public async Task Login_signs_a_person_in_through_the_browser_and_logout_revokes_the_tokens()
    {
        var account = await Server.Accounts.AccountAsync("ines@alpha");
        var configDirectory = Path.Combine(Path.GetTempPath(), $"consortium-cli-{Guid.NewGuid():N}");
        // Only this test touches the CLI's token folder in this process.
        Environment.SetEnvironmentVariable("CONSORTIUM_CONFIG_DIR", configDirectory);
        try
        {
            using var output = new StringWriter();
            var server = Server.BaseAddress.ToString();
            var login = ConsortiumCommandLine.Root().Parse(["--server", server, "login"]).InvokeAsync(new InvocationConfiguration { Output = output, Error = output });

            // The browser's part: open the printed address, sign in with password and code, follow the redirect home.
            var authorize = await PrintedAddressAsync(output, login);
            using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = Server.BaseAddress };
            using var toLogin = await browser.GetAsync(authorize);
            var backToAuthorize = await Server.Accounts.SignInOnPagesAsync(browser, new Uri(Server.BaseAddress, toLogin.Headers.Location!), account);
            using var toCallback = await browser.GetAsync(backToAuthorize);
            Assert.StartsWith("http://127.0.0.1:47823/callback?code=", toCallback.Headers.Location!.ToString(), StringComparison.Ordinal);
            using var loopback = new HttpClient();
            Assert.Equal("Signed in. You can close this tab.", await loopback.GetStringAsync(toCallback.Headers.Location));

            Assert.Equal(0, await login);
            var tokens = Login.StoredTokens(Server.BaseAddress)!;
            var token = (await tokens(CancellationToken.None))!;
            Assert.Equal(account.Id, (await Server.ClientWithToken(token).GetMeAsync()).User);

            Assert.Equal(0, await ConsortiumCommandLine.Root().Parse(["--server", server, "logout"]).InvokeAsync(new InvocationConfiguration { Output = output, Error = output }));
            Assert.False(File.Exists(Login.TokenFile(Server.BaseAddress)));
        }
        finally
        {
            Environment.SetEnvironmentVariable("CONSORTIUM_CONFIG_DIR", null);
            if (Directory.Exists(configDirectory))
            {
                Directory.Delete(configDirectory, recursive: true);
            }
        }
    }

    private static async Task<Uri> PrintedAddressAsync(StringWriter output, Task<int> login)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var line = output.ToString().Split('\n').FirstOrDefault(l => l.Contains("/connect/authorize?", StringComparison.Ordinal));
            if (line is not null)
            {
                return new Uri(line.Trim());
            }
            Assert.False(login.IsCompleted, output.ToString());
            await Task.Delay(100);
        }
        throw new TimeoutException("consortium login printed no address: " + output);
    }
}
