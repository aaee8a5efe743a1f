using System.Text.RegularExpressions;
using Consortium.Server.Audit;
using Consortium.Server.Identity.Pages.Account;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Consortium.Browser.Tests;

/// <summary>
/// Passkeys in real Chromium, with its virtual authenticator (a platform authenticator that verifies the person, as
/// a fingerprint reader or a screen-lock PIN would) standing in for the device.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class PasskeyTests(BrowserFixture fixture) : IAsyncLifetime
{
    private static readonly LocatorAssertionsToBeVisibleOptions Soon = new() { Timeout = 15_000 };
    private ConsortiumServer Server => fixture.Server;

    public Task InitializeAsync() => Server.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>
    /// A browser context on http://localhost: WebAuthn needs a secure context and a domain for the passkey to belong
    /// to, and an IP address (the fixture's 127.0.0.1) is not one.
    /// </summary>
    private Task<IBrowserContext> NewContextAsync() =>
        fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = $"http://localhost:{Server.BaseAddress.Port}/" });

    private static async Task AddVirtualAuthenticatorAsync(IPage page)
    {
        var cdp = await page.Context.NewCDPSessionAsync(page);
        await cdp.SendAsync("WebAuthn.enable");
        await cdp.SendAsync("WebAuthn.addVirtualAuthenticator", new Dictionary<string, object>
        {
            ["options"] = new Dictionary<string, object>
            {
                ["protocol"] = "ctap2",
                ["transport"] = "internal",
                ["hasResidentKey"] = true,
                ["hasUserVerification"] = true,
                ["isUserVerified"] = true,
                ["automaticPresenceSimulation"] = true,
            },
        });
    }

    private static async Task SignInWithPasswordAsync(IPage page, TestAccount account, string outletName)
    {
        await page.GotoAsync("/");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/account/login"));
        await page.GetByLabel("Email").FillAsync(account.Email);
        await page.GetByLabel("Password").FillAsync(TestAccounts.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await page.GetByLabel("Code from your authenticator app, or a recovery code").FillAsync(TestAccounts.TotpCode(account));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByText(outletName).First).ToBeVisibleAsync(Soon);
        await Assertions.Expect(page.GetByText(account.DisplayName).First).ToBeVisibleAsync(Soon);
    }

    private static async Task RegisterPasskeyAsync(IPage page, string name)
    {
        await page.GotoAsync("/account/passkeys");
        await page.GetByLabel("Name for the new passkey").FillAsync(name);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a passkey" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"Passkey “{name}” added");
        await Assertions.Expect(page.GetByTestId("passkey").Filter(new() { HasText = name })).ToBeVisibleAsync(Soon);
    }

    private static async Task SignOutAsync(IPage page)
    {
        var status = await page.EvaluateAsync<int>("async () => (await fetch('/api/session/sign-out', { method: 'POST' })).status");
        Assert.Equal(204, status);
    }

    private static Task<int> MeStatusAsync(IPage page) =>
        page.EvaluateAsync<int>("async () => (await fetch('/api/me')).status");

    private async Task<IReadOnlyList<AuditEntry>> SignInsOfAsync(string userId, string action)
    {
        await using var session = Server.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return await session.Query<AuditEntry>().Where(e => e.ActorUserId == userId && e.Action == action).ToListAsync();
    }

    [Fact]
    public async Task Person_registers_a_passkey_then_signs_in_with_the_passkey_alone()
    {
        var account = await Server.Accounts.AccountAsync("mara@alpha");
        await using var context = await NewContextAsync();
        var page = await context.NewPageAsync();
        await AddVirtualAuthenticatorAsync(page);
        await SignInWithPasswordAsync(page, account, "Alpha Gazette");

        await RegisterPasskeyAsync(page, "Test laptop");
        await SignOutAsync(page);
        Assert.Equal(401, await MeStatusAsync(page));

        await page.GotoAsync("/");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/account/login"));
        // No email, no password, no code: the passkey names the account and is both factors.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in with a passkey" }).ClickAsync();

        await Assertions.Expect(page.GetByText("Alpha Gazette").First).ToBeVisibleAsync(Soon);
        await Assertions.Expect(page.GetByText(account.DisplayName).First).ToBeVisibleAsync(Soon);
        Assert.Equal(200, await MeStatusAsync(page));
        Assert.Contains(await SignInsOfAsync(account.Id, AuditActions.SignInSucceeded), e => e.Detail == "passkey");
        Assert.Contains(await SignInsOfAsync(account.Id, AuditActions.PasskeyAdded), e => e.Detail == "Test laptop");
    }

    [Fact]
    public async Task Disabled_account_cannot_sign_in_with_its_passkey()
    {
        await Server.Accounts.AccountAsync("nadia@bravo", outletAdmin: true);
        var tom = await Server.Accounts.AccountAsync("tom@bravo");
        await using var context = await NewContextAsync();
        var page = await context.NewPageAsync();
        await AddVirtualAuthenticatorAsync(page);
        await SignInWithPasswordAsync(page, tom, "Bravo Tribune");
        await RegisterPasskeyAsync(page, "Tom's phone");

        await Server.ClientFor("nadia@bravo").DisableAccountAsync(tom.Id);
        await page.GotoAsync("/account/login");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in with a passkey" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync(LoginModel.GenericPasskeyFailure);
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/account/login"));
        Assert.Equal(401, await MeStatusAsync(page));
        Assert.Contains(await SignInsOfAsync(tom.Id, AuditActions.SignInFailed), e => e.Detail == "disabled account (passkey)");
    }

    [Fact]
    public async Task Removed_passkey_no_longer_signs_in_and_is_refused_like_any_other()
    {
        var account = await Server.Accounts.AccountAsync("lena@lab");
        await using var context = await NewContextAsync();
        var page = await context.NewPageAsync();
        await AddVirtualAuthenticatorAsync(page);
        await SignInWithPasswordAsync(page, account, "Delta Forensics");
        await RegisterPasskeyAsync(page, "Lab key");

        await page.GetByRole(AriaRole.Button, new() { Name = "Remove Lab key" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("removed");
        await Assertions.Expect(page.GetByTestId("passkey")).ToHaveCountAsync(0);
        await SignOutAsync(page);

        // The authenticator still holds the credential; the server no longer knows it.
        await page.GotoAsync("/account/login");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in with a passkey" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync(LoginModel.GenericPasskeyFailure);
        Assert.Equal(401, await MeStatusAsync(page));
    }
}
