using System.Text.RegularExpressions;
using Consortium.Server.Demo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Consortium.Browser.Tests;

/// <summary>
/// The demo as a newcomer starts it: no connection string (the embedded PostgreSQL, in a folder of its own), the seed
/// and the demo partner on. Seeded once for the class; the partner is the real background service.
/// </summary>
public sealed class LivingDemoFixture : IAsyncLifetime
{
    private sealed class DemoServer(string dataDirectory) : ConsortiumServer
    {
        // Not the shared test PostgreSQL: the setting below clears the connection string, so the server starts its own.
        protected override string? SharedDatabase => "embedded";

        protected override IEnumerable<(string Key, string Value)> Settings =>
        [
            ("ConnectionStrings:Consortium", ""), ("Storage:EmbeddedDataDirectory", dataDirectory),
            ("Demo:Seed", "true"), ("Demo:RecordCount", "2000"), ("Demo:PartnerIntervalSeconds", "2"),
        ];
    }

    private readonly string dataDirectory = Path.Combine(Path.GetTempPath(), $"consortium-demo-{Guid.NewGuid():N}");
    private IPlaywright? playwright;

    public ConsortiumServer Server { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = new DemoServer(dataDirectory);
        await ((IAsyncLifetime)Server).InitializeAsync();
        await Server.Services.GetRequiredService<DemoSeed>().Seeded.WaitAsync(TimeSpan.FromMinutes(4));
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("CONSORTIUM_CHROMIUM") ?? "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>Signs in on the server's pages as a seeded person, with the password and authenticator key of demo-accounts.txt.</summary>
    public async Task<IPage> SignedInAsync(string email, string displayName)
    {
        var lines = await File.ReadAllLinesAsync(DemoAccounts.CredentialsFile(Server.Services.GetRequiredService<IConfiguration>()));
        var password = lines.Single(l => l.StartsWith("Password for every account: ", StringComparison.Ordinal))["Password for every account: ".Length..];
        var key = lines.Single(l => l.StartsWith(email + " ", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1];
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = Server.BaseAddress.ToString(), ViewportSize = new() { Width = 1366, Height = 768 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await page.GetByLabel("Code from your authenticator app, or a recovery code").FillAsync(TestAccounts.TotpCode(new TestAccount(email, email, displayName, "", key)));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByText(displayName).First).ToBeVisibleAsync(new() { Timeout = 15_000 });
        return page;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        playwright?.Dispose();
        await ((IAsyncLifetime)Server).DisposeAsync();
        if (Directory.Exists(dataDirectory))
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }
}

public sealed class LivingDemoTests(LivingDemoFixture demo) : IClassFixture<LivingDemoFixture>
{
    private static readonly LocatorAssertionsToBeVisibleOptions Soon = new() { Timeout = 15_000 };

    [Fact]
    public async Task On_a_fresh_demo_a_partners_note_arrives_live_within_30_seconds_and_the_first_pages_show_the_work()
    {
        var page = await demo.SignedInAsync("camille.roux@le-veilleur.example", "Camille Roux");
        await page.GetByTestId("investigation-link").First.ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/investigations/[0-9a-f-]+$"));
        var investigationId = Regex.Match(page.Url, "/investigations/([0-9a-f-]+)$").Groups[1].Value;
        await page.GetByTestId("dataset-link").Filter(new() { HasText = "Selected numbers" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("record-row").First).ToBeVisibleAsync(Soon);
        await ScreenshotAsync(page, "dataset");

        // The first row carries the seeded thread; opening it is what draws the partner there.
        await page.GetByTestId("record-row").First.ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = "Annotations" })).ToBeVisibleAsync(Soon);
        await Assertions.Expect(page.GetByTestId("annotation").First).ToBeVisibleAsync(Soon);
        var partnerNote = page.GetByTestId("annotation").Filter(new() { HasTextRegex = new Regex(string.Join('|', DemoTexts.PartnerLiveNotes.Select(Regex.Escape))) });
        // Only the push can bring it: the page is not reloaded, and the partner writes after the page loaded.
        await Assertions.Expect(partnerNote.First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(partnerNote.First).ToContainTextAsync("Consortium");
        // The picture shows the note that just arrived (the thread scrolls within its panel).
        await partnerNote.First.ScrollIntoViewIfNeededAsync();
        await ScreenshotAsync(page, "record");

        await page.GotoAsync($"/investigations/{investigationId}/verifications");
        await Assertions.Expect(page.GetByTestId("verification-board")).ToBeVisibleAsync(Soon);
        await Assertions.Expect(page.GetByTestId("verification-card").First).ToBeVisibleAsync(Soon);
        await ScreenshotAsync(page, "verification-board");

        await page.GotoAsync($"/investigations/{investigationId}/publication");
        await Assertions.Expect(page.GetByTestId("plan-story").GetByText("Fifty thousand numbers")).ToBeVisibleAsync(Soon);
        await ScreenshotAsync(page, "embargo-desk");
        await page.Context.CloseAsync();
    }

    /// <summary>
    /// The README's pictures, taken here so they show the product as it is: with CONSORTIUM_UPDATE_SCREENSHOTS=1, into
    /// docs/screenshots of the repository (1366×768, the viewport a newcomer's laptop has).
    /// </summary>
    private static async Task ScreenshotAsync(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable("CONSORTIUM_UPDATE_SCREENSHOTS") != "1")
        {
            return;
        }
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Consortium.sln")))
        {
            root = root.Parent;
        }
        var folder = Path.Combine(root!.FullName, "docs", "screenshots");
        Directory.CreateDirectory(folder);
        // Let the live parts settle (presence, fonts) so the picture is not mid-transition.
        await page.WaitForTimeoutAsync(500);
        await page.ScreenshotAsync(new() { Path = Path.Combine(folder, name + ".png") });
    }
}
