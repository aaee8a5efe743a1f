using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Consortium.Browser.Tests;

/// <summary>The outlet page's webhook endpoints, in Chromium against the real server (its default settings: https only).</summary>
[Collection(BrowserCollection.Name)]
public sealed class WebhookSectionTests(BrowserFixture fixture) : IAsyncLifetime
{
    private static readonly LocatorAssertionsToBeVisibleOptions Soon = new() { Timeout = 15_000 };
    private ConsortiumServer Server => fixture.Server;

    public Task InitializeAsync() => Server.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Outlet_administrator_registers_an_endpoint_sees_its_secret_once_and_reads_its_delivery_log()
    {
        var page = await fixture.SignedInPageAsync("rosa.admin@charlie", "Charlie Post", outletAdmin: true);
        await page.GotoAsync("/outlet");
        var section = page.GetByTestId("webhooks-section");
        await Assertions.Expect(section.GetByText("No webhook endpoints registered.")).ToBeVisibleAsync(Soon);

        // A name that never resolves (.invalid): deliveries fail, and the log shows why.
        await page.GetByLabel("Address (https)").FillAsync("https://cms.partner.invalid/hooks");
        await page.GetByLabel("Description").FillAsync("Newsroom CMS");
        await page.GetByRole(AriaRole.Button, new() { Name = "Register endpoint" }).ClickAsync();
        var secretField = page.GetByTestId("webhook-secret-value");
        await Assertions.Expect(secretField).ToHaveValueAsync(new Regex("^whsec_[A-Za-z0-9+/=]{40,}$"), new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByTestId("webhook-secret")).ToContainTextAsync("shown only now");
        var secret = await secretField.InputValueAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Done, I have saved it" }).ClickAsync();
        await Assertions.Expect(secretField).ToHaveCountAsync(0);
        var row = page.GetByTestId("webhook-row").Filter(new() { HasText = "cms.partner.invalid" });
        await Assertions.Expect(row).ToContainTextAsync("Enabled");

        // Once put away, the secret is nowhere, not even after a reload.
        await page.ReloadAsync();
        await Assertions.Expect(row).ToContainTextAsync("Newsroom CMS", new() { Timeout = 15_000 });
        Assert.DoesNotContain(secret["whsec_".Length..], await page.ContentAsync(), StringComparison.Ordinal);

        // Charlie joins an investigation: a membership change for the endpoint, whose delivery fails.
        await Server.ClientFor("ines@alpha").CreateInvestigationAsync(new NewInvestigation("Nightjar", "Shared leak", ["charlie"]));
        await row.GetByRole(AriaRole.Button, new() { Name = "Delivery log" }).ClickAsync();
        var log = page.GetByTestId("webhook-deliveries");
        await Assertions.Expect(log.GetByRole(AriaRole.Heading)).ToContainTextAsync("Delivery log of https://cms.partner.invalid/hooks");
        var delivery = log.GetByTestId("webhook-delivery-row").Filter(new() { HasText = "membership." });
        for (var i = 0; i < 60 && await delivery.CountAsync() == 0; i++)
        {
            await page.WaitForTimeoutAsync(500);
            await log.GetByRole(AriaRole.Button, new() { Name = "Refresh" }).ClickAsync();
        }
        await Assertions.Expect(delivery).ToContainTextAsync("Retrying", new() { Timeout = 15_000 });

        await delivery.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Redeliver event msg_") }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "was sent again" })).ToBeVisibleAsync(Soon);
        await Assertions.Expect(delivery).ToContainTextAsync("(manual)");
        await page.Context.CloseAsync();
    }
}
