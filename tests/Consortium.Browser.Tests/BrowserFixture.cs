using Microsoft.Playwright;

namespace Consortium.Browser.Tests;

/// <summary>
/// The real server plus Debian's Chromium, driven by Playwright without any browser download
/// (the machine has no internet; CONSORTIUM_CHROMIUM overrides the path).
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? playwright;

    public ConsortiumServer Server { get; } = new();

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Server.InitializeAsync();
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("CONSORTIUM_CHROMIUM") ?? "/usr/bin/chromium",
            Headless = true,
            // No sandbox because CI runs as root; the rest stop Chromium calling home on a machine without internet.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>
    /// A page in a fresh browser context, signed in on the server's own pages with password and authenticator code as
    /// <paramref name="user"/> ("name@outlet"; the account is created on first use), once the app shows the person and outlet.
    /// </summary>
    public async Task<IPage> SignedInPageAsync(string user, string outletName, bool outletAdmin = false)
    {
        var account = await Server.Accounts.AccountAsync(user, outletAdmin);
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = Server.BaseAddress.ToString() });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        // The app holds no credentials: it sends the browser to the sign-in pages.
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"));
        await page.GetByLabel("Email").FillAsync(account.Email);
        await page.GetByLabel("Password").FillAsync(TestAccounts.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await page.GetByLabel("Code from your authenticator app, or a recovery code").FillAsync(TestAccounts.TotpCode(account));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        var soon = new LocatorAssertionsToBeVisibleOptions { Timeout = 15_000 };
        await Assertions.Expect(page.GetByText(outletName).First).ToBeVisibleAsync(soon);
        await Assertions.Expect(page.GetByText(account.DisplayName).First).ToBeVisibleAsync(soon);
        return page;
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        playwright?.Dispose();
        await ((IAsyncLifetime)Server).DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "Browser";
}
