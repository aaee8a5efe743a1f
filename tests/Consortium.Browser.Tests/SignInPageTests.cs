using System.Text.RegularExpressions;
using Microsoft.Playwright;
using OtpNet;

namespace Consortium.Browser.Tests;

[Collection(BrowserCollection.Name)]
public sealed class SignInPageTests(BrowserFixture fixture) : IAsyncLifetime
{
    private static readonly LocatorAssertionsToBeVisibleOptions Soon = new() { Timeout = 15_000 };
    private ConsortiumServer Server => fixture.Server;

    public Task InitializeAsync() => Server.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Invited_colleague_sets_a_password_enrols_an_authenticator_and_gets_recovery_codes()
    {
        await Server.Accounts.AccountAsync("nadia@bravo", outletAdmin: true);
        var invitation = await Server.ClientFor("nadia@bravo").InviteAccountAsync(new NewAccount("olu@bravo.test", "Olu Adeyemi"));
        await using var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = Server.BaseAddress.ToString() });
        var page = await context.NewPageAsync();

        await page.GotoAsync(invitation.InvitationUrl);
        await page.GetByLabel("New password (at least 12 characters)").FillAsync("a long enough passphrase");
        await page.GetByLabel("Repeat the password").FillAsync("a long enough passphrase");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set password" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Set up your authenticator" })).ToBeVisibleAsync(Soon);
        await Assertions.Expect(page.GetByRole(AriaRole.Img, new() { Name = "QR code holding your authenticator key" })).ToBeVisibleAsync();
        var key = (await page.GetByTestId("authenticator-key").InnerTextAsync()).Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
        await page.GetByLabel("6-digit code").FillAsync(new Totp(Base32Encoding.ToBytes(key)).ComputeTotp());
        await page.GetByRole(AriaRole.Button, new() { Name = "Turn on and continue" }).ClickAsync();

        var codes = page.GetByRole(AriaRole.List, new() { Name = "Recovery codes" }).GetByRole(AriaRole.Listitem);
        await Assertions.Expect(codes).ToHaveCountAsync(10);
        await page.GetByRole(AriaRole.Link, new() { Name = "Continue to Consortium" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Olu Adeyemi").First).ToBeVisibleAsync(Soon);

        // The link was used up: opening it again offers nothing.
        await page.GotoAsync(invitation.InvitationUrl);
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("not valid any more");
    }

    [Fact]
    public async Task Wrong_password_and_unknown_account_get_the_same_answer()
    {
        var account = await Server.Accounts.AccountAsync("tom@bravo");
        await using var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = Server.BaseAddress.ToString() });
        var page = await context.NewPageAsync();

        async Task<string> TryAsync(string email)
        {
            await page.GotoAsync("/account/login");
            await page.GetByLabel("Email").FillAsync(email);
            await page.GetByLabel("Password").FillAsync("not the password at all");
            await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
            return await page.GetByRole(AriaRole.Alert).InnerTextAsync();
        }

        var wrongPassword = await TryAsync(account.Email);
        var unknown = await TryAsync("nobody@nowhere.test");

        Assert.Equal(wrongPassword, unknown);
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/account/login"));
    }
}
