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
