using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Consortium.Browser.Tests;

/// <summary>
/// The coordinators' members page and compartment control, and the outlet administrators' page (/outlet), driven
/// in Chromium against the real server after a real sign-in (password, then authenticator code).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AdministrationPageTests(BrowserFixture fixture) : IAsyncLifetime
{
    private static readonly LocatorAssertionsToBeVisibleOptions Soon = new() { Timeout = 15_000 };
    private ConsortiumServer Server => fixture.Server;

    public Task InitializeAsync() => Server.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>An investigation coordinated by ines@alpha with Bravo Tribune taking part, and one dataset shared with both.</summary>
    private async Task<(InvestigationView Investigation, DatasetView Dataset)> GivenInvestigationAsync()
    {
        var alpha = Server.ClientFor("ines@alpha");
        var investigation = await alpha.CreateInvestigationAsync(new NewInvestigation("Nightjar", "Shared leak", ["bravo"]));
        var dataset = await alpha.CreateDatasetAsync(investigation.Id, new NewDataset("Selected numbers", ""));
        return (investigation, dataset);
    }

    [Fact]
    public async Task Coordinator_adds_a_member_by_email_on_the_members_page()
    {
        var (investigation, _) = await GivenInvestigationAsync();
        var newcomer = await Server.Accounts.AccountAsync("sam.okafor@bravo");
        var page = await fixture.SignedInPageAsync("ines@alpha", "Alpha Gazette");

        await page.GotoAsync($"/investigations/{investigation.Id}");
        await page.GetByRole(AriaRole.Link, new() { Name = "Members", Exact = true }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/investigations/{investigation.Id}/members$"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Add a member" })).ToBeVisibleAsync(Soon);

        await page.GetByLabel("Email", new() { Exact = true }).FillAsync(newcomer.Email);
        await page.GetByLabel("Role", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Value = "analyst" });
        await page.GetByLabel("Access until (optional)").FillAsync(DateTime.Now.AddDays(30).ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await page.GetByRole(AriaRole.Button, new() { Name = "Add member" }).ClickAsync();

        // Listed under the person's outlet, with the role given.
        var bravo = page.GetByTestId("member-group").Filter(new() { HasText = "Bravo Tribune" });
        var row = bravo.GetByTestId("member-row").Filter(new() { HasText = "Sam Okafor" });
        await Assertions.Expect(row).ToBeVisibleAsync(Soon);
        await Assertions.Expect(row).ToHaveAttributeAsync("data-role", "analyst");
        await Assertions.Expect(row.Locator("time")).ToHaveAttributeAsync("title", new Regex(@"Z \(UTC\)$"));
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Sam Okafor was added" })).ToBeVisibleAsync();

        var members = await Server.ClientFor("ines@alpha").ListMembersAsync(investigation.Id);
        var added = Assert.Single(members, m => m.UserId == newcomer.Id);
        Assert.Equal((InvestigationRole.Analyst, "bravo"), (added.Role, added.OutletId));
        Assert.NotNull(added.ExpiresAt);

        // An unknown email is refused by the server: its problem details name the field, and the message is shown under
        // it (the field described by it), the alert saying only that the form was refused.
        var email = page.GetByLabel("Email", new() { Exact = true });
        await email.FillAsync("nobody@nowhere.test");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add member" }).ClickAsync();
        var emailError = page.GetByTestId("add-member-form").GetByTestId("field-error");
        await Assertions.Expect(emailError).ToHaveTextAsync("No active account with this email at an outlet taking part in the investigation.");
        await Assertions.Expect(email).ToHaveAttributeAsync("aria-invalid", "true");
        Assert.Contains(await emailError.GetAttributeAsync("id"), (await email.GetAttributeAsync("aria-describedby"))!.Split(' '));
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).Not.ToContainTextAsync("No active account");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Coordinator_changes_a_role_and_removes_a_member_after_confirming()
    {
        var (investigation, _) = await GivenInvestigationAsync();
        var reporter = await Server.Accounts.AccountAsync("tom.ellery@bravo");
        await Server.ClientFor("ines@alpha").AddMemberAsync(investigation.Id, new NewMember(reporter.Email, InvestigationRole.Reporter));
        var page = await fixture.SignedInPageAsync("ines@alpha", "Alpha Gazette");
        await page.GotoAsync($"/investigations/{investigation.Id}/members");

        var row = page.GetByTestId("member-row").Filter(new() { HasText = "Tom Ellery" });
        await row.GetByLabel("Change role for Tom Ellery").SelectOptionAsync(new SelectOptionValue { Value = "editor" });
        await row.GetByRole(AriaRole.Button, new() { Name = "Save role for Tom Ellery" }).ClickAsync();
        await Assertions.Expect(row).ToHaveAttributeAsync("data-role", "editor", new() { Timeout = 15_000 });

        await row.GetByRole(AriaRole.Button, new() { Name = "Remove Tom Ellery" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Remove Tom Ellery?" });
        await Assertions.Expect(dialog).ToBeVisibleAsync();
        // Cancel first: nothing happens.
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Assertions.Expect(dialog).ToBeHiddenAsync();
        await Assertions.Expect(row).ToBeVisibleAsync();

        await row.GetByRole(AriaRole.Button, new() { Name = "Remove Tom Ellery" }).ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Remove member" }).ClickAsync();
        await Assertions.Expect(row).ToHaveCountAsync(0, new() { Timeout = 15_000 });

        var members = await Server.ClientFor("ines@alpha").ListMembersAsync(investigation.Id);
        Assert.DoesNotContain(members, m => m.UserId == reporter.Id);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Reporter_sees_members_read_only_and_no_administration()
    {
        var (investigation, _) = await GivenInvestigationAsync();
        var reporter = await Server.Accounts.AccountAsync("tom.ellery@bravo");
        await Server.ClientFor("ines@alpha").AddMemberAsync(investigation.Id, new NewMember(reporter.Email, InvestigationRole.Reporter));
        var page = await fixture.SignedInPageAsync("tom.ellery@bravo", "Bravo Tribune");

        await page.GotoAsync($"/investigations/{investigation.Id}");
        await Assertions.Expect(page.GetByTestId("dataset-link")).ToBeVisibleAsync(Soon);
        await Assertions.Expect(page.GetByTestId("compartment-editor")).ToHaveCountAsync(0);

        await page.GetByRole(AriaRole.Link, new() { Name = "Members", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("members-read-only")).ToBeVisibleAsync(Soon);
        await Assertions.Expect(page.GetByTestId("member-row")).ToHaveCountAsync(2);
        await Assertions.Expect(page.GetByTestId("member-row").Filter(new() { HasText = "Ines" })).ToContainTextAsync("Coordinator");
        await Assertions.Expect(page.GetByTestId("add-member-form")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Remove" })).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Combobox)).ToHaveCountAsync(0);

        // Not an outlet administrator: no link in the header, and the page itself shows the server's refusal.
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "My outlet" })).ToHaveCountAsync(0);
        await page.GotoAsync("/outlet");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Outlet administrators only", new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "My outlet" })).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Coordinator_narrows_who_can_see_a_dataset()
    {
        var (_, dataset) = await GivenInvestigationAsync();
        var page = await fixture.SignedInPageAsync("ines@alpha", "Alpha Gazette");
        await page.GotoAsync($"/investigations/{dataset.InvestigationId}");

        var card = page.GetByTestId("dataset-card").Filter(new() { HasText = "Selected numbers" });
        await Assertions.Expect(card.GetByText("All member outlets").First).ToBeVisibleAsync(Soon);
        await card.GetByText("Who can see this dataset").ClickAsync();
        await card.GetByLabel("Only the outlets ticked below").CheckAsync();
        await card.GetByLabel("Bravo Tribune").UncheckAsync();
        await card.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();

        await Assertions.Expect(card.GetByRole(AriaRole.Status)).ToContainTextAsync("Saved", new() { Timeout = 15_000 });
        await Assertions.Expect(card.GetByText("Compartment: 1 outlet")).ToBeVisibleAsync();
        var stored = await Server.ClientFor("ines@alpha").GetDatasetAsync(dataset.Id);
        Assert.Equal("alpha", Assert.Single(stored.SharedWithOutletIds!));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Outlet_administrator_invites_a_colleague_and_sees_the_link_once()
    {
        var page = await fixture.SignedInPageAsync("rosa.admin@charlie", "Charlie Post", outletAdmin: true);

        await page.GetByRole(AriaRole.Link, new() { Name = "My outlet" }).ClickAsync(new() { Timeout = 15_000 });
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/outlet$"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Accounts" })).ToBeVisibleAsync(Soon);

        await page.GetByLabel("Email", new() { Exact = true }).FillAsync("lena.fischer@charlie.test");
        await page.GetByLabel("Display name").FillAsync("Lena Fischer");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send invitation" }).ClickAsync();

        var link = page.GetByTestId("invitation-url");
        await Assertions.Expect(link).ToHaveValueAsync(new Regex("^" + Regex.Escape(Server.BaseAddress + "account/accept")), new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByTestId("invitation")).ToContainTextAsync("shown only now");
        await Assertions.Expect(page.GetByTestId("invitation").GetByRole(AriaRole.Button, new() { Name = "Copy" })).ToBeVisibleAsync();
        var row = page.GetByTestId("account-row").Filter(new() { HasText = "Lena Fischer" });
        await Assertions.Expect(row).ToContainTextAsync("2FA off");

        // Put away, the link is gone for good.
        await page.GetByRole(AriaRole.Button, new() { Name = "Done, I have saved it" }).ClickAsync();
        await Assertions.Expect(link).ToHaveCountAsync(0);

        var accounts = await Server.ClientFor("rosa.admin@charlie").ListOutletAccountsAsync();
        var invited = Assert.Single(accounts, a => a.Email == "lena.fischer@charlie.test");
        Assert.Equal(("Lena Fischer", false), (invited.DisplayName, invited.OutletAdmin));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Outlet_administrator_disables_an_account_and_manages_sync_clients_after_confirming()
    {
        var colleague = await Server.Accounts.AccountAsync("pat.quinn@charlie");
        var page = await fixture.SignedInPageAsync("rosa.admin@charlie", "Charlie Post", outletAdmin: true);
        await page.GotoAsync("/outlet");

        var row = page.GetByTestId("account-row").Filter(new() { HasText = "Pat Quinn" });
        await Assertions.Expect(row).ToContainTextAsync("2FA on", new() { Timeout = 15_000 });
        await row.GetByRole(AriaRole.Button, new() { Name = "Disable Pat Quinn" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Disable Pat Quinn?" });
        await Assertions.Expect(dialog).ToContainTextAsync("cuts this person off everywhere at once");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Disable account" }).ClickAsync();
        await Assertions.Expect(row).ToContainTextAsync("Disabled", new() { Timeout = 15_000 });
        await Assertions.Expect(row.GetByRole(AriaRole.Button)).ToHaveCountAsync(0);
        var accounts = await Server.ClientFor("rosa.admin@charlie").ListOutletAccountsAsync();
        Assert.True(Assert.Single(accounts, a => a.Id == colleague.Id).Disabled);

        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Archive sync");
        await page.GetByRole(AriaRole.Button, new() { Name = "Register sync client" }).ClickAsync();
        var clientId = page.GetByTestId("sync-client-id");
        await Assertions.Expect(clientId).ToHaveValueAsync(new Regex("^charlie-"), new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByTestId("sync-client-secret")).ToHaveValueAsync(new Regex(".{20,}"));
        await Assertions.Expect(page.GetByTestId("sync-client-credentials")).ToContainTextAsync("shown only now");
        var id = await clientId.InputValueAsync();
        var clientRow = page.GetByTestId("sync-client-row").Filter(new() { HasText = "Archive sync" });
        await Assertions.Expect(clientRow).ToContainTextAsync(id);

        await clientRow.GetByRole(AriaRole.Button, new() { Name = "Delete sync client Archive sync" }).ClickAsync();
        var confirm = page.GetByRole(AriaRole.Dialog, new() { Name = "Delete sync client Archive sync?" });
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Delete sync client", Exact = true }).ClickAsync();
        await Assertions.Expect(clientRow).ToHaveCountAsync(0, new() { Timeout = 15_000 });
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByText("No sync clients registered.")).ToBeVisibleAsync(Soon);
        await page.Context.CloseAsync();
    }
}
