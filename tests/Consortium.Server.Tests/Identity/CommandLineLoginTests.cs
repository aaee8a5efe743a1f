using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
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
        await WithConfigDirectoryAsync(async () =>
        {
            using var output = new StringWriter();
            var server = Server.BaseAddress.ToString();
            await LoginAsync(account, output);
            var tokens = Login.StoredTokens(Server.BaseAddress)!;
            var token = (await tokens(CancellationToken.None))!;
            Assert.Equal(account.Id, (await Server.ClientWithToken(token).GetMeAsync()).User);

            Assert.Equal(0, await ConsortiumCommandLine.Root().Parse(["--server", server, "logout"]).InvokeAsync(new InvocationConfiguration { Output = output, Error = output }));
            Assert.False(File.Exists(Login.TokenFile(Server.BaseAddress)));
        });
    }

    [Fact]
    public async Task A_coordinator_moves_a_verification_from_the_command_line_citing_an_evidence_file_and_downloads_it_again()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n");
        var ines = Server.ClientFor("ines@alpha");
        var record = (await ines.ListRecordsAsync(dataset.Id)).Items[0];
        var verification = await ines.AddAnnotationAsync(record.Id, new NewAnnotation(AnnotationKinds.Verification));
        var account = await Server.Accounts.AccountAsync("ines@alpha");
        var report = Path.Combine(Path.GetTempPath(), $"mvt-report-{Guid.NewGuid():N}.json");
        var downloaded = report + ".downloaded";
        await File.WriteAllTextAsync(report, """{"detected": ["com.apple.pegasus"], "note": "<script>alert(1)</script>"}""");
        await WithConfigDirectoryAsync(async () =>
        {
            await LoginAsync(account, new StringWriter());
            async Task<(int Exit, string Output)> RunAsync(params string[] arguments)
            {
                using var output = new StringWriter();
                var exit = await ConsortiumCommandLine.Root().Parse(["--server", Server.BaseAddress.ToString(), .. arguments])
                    .InvokeAsync(new InvocationConfiguration { Output = output, Error = output });
                return (exit, output.ToString());
            }
            var version = verification.Version;
            foreach (var step in new[] { VerificationStates.Identified, VerificationStates.ConsentObtained })
            {
                var (exit, output) = await RunAsync("annotations", "verify", "--id", verification.Id.ToString(), "--version", version.ToString(CultureInfo.InvariantCulture), "--state", step);
                Assert.True(exit == 0, output);
                version = JsonSerializer.Deserialize<AnnotationView>(output, Json)!.Version;
            }
            var (submitted, moved) = await RunAsync("annotations", "verify", "--id", verification.Id.ToString(), "--version", version.ToString(CultureInfo.InvariantCulture),
                "--state", VerificationStates.ForensicsSubmitted, "--tool", "MVT", "--indicators", "2021-07-18", "--evidence", report);
            Assert.True(submitted == 0, moved);
            var state = JsonSerializer.Deserialize<AnnotationView>(moved, Json)!.Verification!;
            Assert.Equal((VerificationStates.ForensicsSubmitted, "MVT", "2021-07-18"), (state.State, state.Tool, state.IndicatorSetVersion));
            var evidence = Assert.Single(state.Evidence!);
            Assert.Equal((Path.GetFileName(report), new FileInfo(report).Length, true), (evidence.Name, evidence.Size, evidence.Stored));

            // A stale version changes nothing and says so; the board lists the verification at its new state.
            var (stale, current) = await RunAsync("annotations", "verify", "--id", verification.Id.ToString(), "--version", version.ToString(CultureInfo.InvariantCulture), "--state", VerificationStates.Infected);
            Assert.Equal(2, stale);
            Assert.Contains(VerificationStates.ForensicsSubmitted, current, StringComparison.Ordinal);
            var (listed, board) = await RunAsync("annotations", "verifications", "--investigation", investigation.Id.ToString());
            Assert.Equal(0, listed);
            Assert.Equal(VerificationStates.ForensicsSubmitted, JsonSerializer.Deserialize<AnnotationView>(Assert.Single(board.Split('\n', StringSplitOptions.RemoveEmptyEntries)), Json)!.Verification!.State);

            var (fetched, said) = await RunAsync("annotations", "evidence", "--id", verification.Id.ToString(), "--sha256", evidence.Sha256, "--output", downloaded);
            Assert.True(fetched == 0, said);
            Assert.Equal(await File.ReadAllBytesAsync(report), await File.ReadAllBytesAsync(downloaded));
            var (again, _) = await RunAsync("annotations", "evidence", "--id", verification.Id.ToString(), "--sha256", evidence.Sha256, "--output", downloaded);
            Assert.Equal(2, again);
        });
        File.Delete(report);
        File.Delete(downloaded);
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) } };

    /// <summary>The CLI keeps its sign-in in a folder named by an environment variable; only this collection's tests set it, one at a time.</summary>
    private static async Task WithConfigDirectoryAsync(Func<Task> body)
    {
        var configDirectory = Path.Combine(Path.GetTempPath(), $"consortium-cli-{Guid.NewGuid():N}");
        Environment.SetEnvironmentVariable("CONSORTIUM_CONFIG_DIR", configDirectory);
        try
        {
            await body();
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

    /// <summary>`consortium login` as a person runs it: the browser's part is the printed address, the sign-in pages and the redirect home.</summary>
    private async Task LoginAsync(TestAccount account, StringWriter output)
    {
        var login = ConsortiumCommandLine.Root().Parse(["--server", Server.BaseAddress.ToString(), "login"]).InvokeAsync(new InvocationConfiguration { Output = output, Error = output });
        var authorize = await PrintedAddressAsync(output, login);
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = Server.BaseAddress };
        using var toLogin = await browser.GetAsync(authorize);
        var backToAuthorize = await Server.Accounts.SignInOnPagesAsync(browser, new Uri(Server.BaseAddress, toLogin.Headers.Location!), account);
        using var toCallback = await browser.GetAsync(backToAuthorize);
        Assert.StartsWith("http://127.0.0.1:47823/callback?code=", toCallback.Headers.Location!.ToString(), StringComparison.Ordinal);
        using var loopback = new HttpClient();
        Assert.Equal("Signed in. You can close this tab.", await loopback.GetStringAsync(toCallback.Headers.Location));
        Assert.Equal(0, await login);
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
