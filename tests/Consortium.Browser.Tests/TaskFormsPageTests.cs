using System.Text;
using System.Text.RegularExpressions;
using Deque.AxeCore.Playwright;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Consortium.Browser.Tests;

/// <summary>
/// The tasks that once needed the API or the CLI, done in Chromium through the web UI: opening an investigation,
/// adding a dataset with its schema, restricting a record to outlets and releasing it, exporting with the
/// re-authentication step; and a form showing the server's problem details next to the field they name.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class TaskFormsPageTests(BrowserFixture fixture) : IAsyncLifetime
{
    private static readonly LocatorAssertionsToBeVisibleOptions Soon = new() { Timeout = 15_000 };
    private ConsortiumServer Server => fixture.Server;

    public Task InitializeAsync() => Server.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Person_opens_an_investigation_and_adds_a_dataset_with_its_schema_and_sees_a_problem_beside_its_field()
    {
        var page = await fixture.SignedInPageAsync("ines@alpha", "Alpha Gazette");
        var panel = page.GetByTestId("new-investigation");
        await panel.Locator("summary").ClickAsync();
        await panel.GetByLabel("Name", new() { Exact = true }).FillAsync("Nightjar");
        await panel.GetByLabel("Description (optional)").FillAsync("The selected numbers");
        var others = panel.GetByLabel("Other outlets, by id (optional)");

        // An outlet that does not exist: the server's validation problem names memberOutletIds, shown under that field.
        await others.FillAsync("bravo, nowhere");
        await panel.GetByRole(AriaRole.Button, new() { Name = "Open investigation" }).ClickAsync();
        var fieldError = panel.GetByTestId("field-error");
        await Assertions.Expect(fieldError).ToContainTextAsync("One or more of these outlets are unknown", new() { Timeout = 15_000 });
        await Assertions.Expect(others).ToHaveAttributeAsync("aria-invalid", "true");
        var describedBy = await others.GetAttributeAsync("aria-describedby");
        Assert.Contains(await fieldError.GetAttributeAsync("id"), describedBy!.Split(' '));
        // The message sits right under its own field, not only in the general alert.
        var fieldBox = (await others.BoundingBoxAsync())!;
        var errorBox = (await fieldError.BoundingBoxAsync())!;
        Assert.InRange(errorBox.Y - (fieldBox.Y + fieldBox.Height), -1, 60);
        await Assertions.Expect(panel.GetByRole(AriaRole.Alert)).ToBeVisibleAsync();
        await Assertions.Expect(panel.GetByRole(AriaRole.Alert)).Not.ToContainTextAsync("unknown");
        Assert.Empty(await Server.ClientFor("ines@alpha").ListInvestigationsAsync());
        await NoSeriousAccessibilityViolationAsync(page);

        await others.FillAsync("bravo");
        await panel.GetByRole(AriaRole.Button, new() { Name = "Open investigation" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Nightjar", Level = 1 })).ToBeVisibleAsync(Soon);
        var investigation = Assert.Single(await Server.ClientFor("ines@alpha").ListInvestigationsAsync());
        Assert.Equal(["alpha", "bravo"], investigation.MemberOutletIds.Order());
        Assert.Equal("alpha", investigation.CoordinatorOutletId);

        var datasetPanel = page.GetByTestId("new-dataset");
        await datasetPanel.Locator("summary").ClickAsync();
        await datasetPanel.GetByLabel("Name", new() { Exact = true }).FillAsync("Selected numbers");
        await datasetPanel.GetByRole(AriaRole.Button, new() { Name = "Add a column" }).ClickAsync();
        await datasetPanel.GetByLabel("Name of column 3").FillAsync("selected by");
        await datasetPanel.GetByLabel("Kind of column 3").SelectOptionAsync(new SelectOptionValue { Value = "organisation" });
        await datasetPanel.GetByLabel("Only the outlets ticked below (a compartment)").CheckAsync();
        await Assertions.Expect(datasetPanel.GetByLabel("Alpha Gazette (your outlet, always included)")).ToBeCheckedAsync();
        await datasetPanel.GetByRole(AriaRole.Button, new() { Name = "Add dataset" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Selected numbers", Level = 1 })).ToBeVisibleAsync(Soon);

        var dataset = Assert.Single(await Server.ClientFor("ines@alpha").ListDatasetsAsync(investigation.Id));
        Assert.Equal(["phone", "country", "selected by"], dataset.Columns);
        Assert.Equal(["phone", "country", "organisation"], dataset.Schema!.Select(c => c.Kind));
        Assert.Equal(["alpha"], dataset.SharedWithOutletIds);
        await Assertions.Expect(page.GetByTestId("export-panel")).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Coordinator_restricts_a_record_to_their_outlet_and_another_outlet_loses_it_until_released()
    {
        var (_, dataset) = await GivenDatasetAsync();
        var bravo = Server.ClientFor("tom@bravo");
        var record = (await Server.ClientFor("ines@alpha").ListRecordsAsync(dataset.Id)).Items[0];
        Assert.Equal(record.Id, (await bravo.GetRecordAsync(record.Id)).Id);

        var page = await fixture.SignedInPageAsync("ines@alpha", "Alpha Gazette");
        await page.GotoAsync($"/records/{record.Id}");
        var panel = page.GetByTestId("restriction-panel");
        await Assertions.Expect(panel.GetByTestId("restriction-state")).ToHaveTextAsync("Every outlet that sees the dataset.", new() { Timeout = 15_000 });
        await Assertions.Expect(panel.GetByLabel("Bravo Tribune")).Not.ToBeCheckedAsync();
        await panel.GetByRole(AriaRole.Button, new() { Name = "Restrict to the ticked outlets" }).ClickAsync();
        await Assertions.Expect(panel.GetByTestId("restriction-state")).ToHaveTextAsync("Only: Alpha Gazette.", new() { Timeout = 15_000 });

        var hidden = await Assert.ThrowsAsync<ConsortiumProblemException>(() => bravo.GetRecordAsync(record.Id));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, hidden.Status);
        Assert.DoesNotContain(record.Id, (await bravo.ListRecordsAsync(dataset.Id)).Items.Select(r => r.Id));

        await panel.GetByRole(AriaRole.Button, new() { Name = "Release to all" }).ClickAsync();
        await Assertions.Expect(panel.GetByTestId("restriction-state")).ToHaveTextAsync("Every outlet that sees the dataset.", new() { Timeout = 15_000 });
        Assert.Equal(record.Id, (await bravo.GetRecordAsync(record.Id)).Id);

        // A reporter sees who can see the record, but no control to change it.
        var reporter = await fixture.SignedInPageAsync("tom@bravo", "Bravo Tribune");
        await reporter.GotoAsync($"/records/{record.Id}");
        await Assertions.Expect(reporter.GetByTestId("restriction-state")).ToBeVisibleAsync(Soon);
        await Assertions.Expect(reporter.GetByRole(AriaRole.Button, new() { Name = "Restrict to the ticked outlets" })).ToHaveCountAsync(0);
        await reporter.Context.CloseAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Editor_exports_the_visible_records_after_signing_in_again_when_the_sign_in_is_old()
    {
        var (_, dataset) = await GivenDatasetAsync();
        var alpha = Server.ClientFor("ines@alpha");
        var hiddenRecord = (await alpha.ListRecordsAsync(dataset.Id)).Items[0];
        await alpha.SetRecordRestrictionAsync(hiddenRecord.Id, new OutletRestriction(["alpha"]));
        var account = await Server.Accounts.AccountAsync("eve@bravo");
        await alpha.AddMemberAsync(dataset.InvestigationId, new NewMember(account.Email, InvestigationRole.Editor));

        var page = await fixture.SignedInPageAsync("eve@bravo", "Bravo Tribune");
        await page.GotoAsync($"/datasets/{dataset.Id}");
        var panel = page.GetByTestId("export-panel");
        await panel.GetByLabel("JSON Lines (tools)").CheckAsync();

        // The server reads its re-authentication window at every request: for this step, no sign-in is recent enough.
        var configuration = Server.Services.GetRequiredService<IConfiguration>();
        configuration["Identity:ReauthenticateAfter"] = "-00:00:01";
        try
        {
            await panel.GetByRole(AriaRole.Button, new() { Name = "Export", Exact = true }).ClickAsync();
            await Assertions.Expect(panel.GetByRole(AriaRole.Alert)).ToContainTextAsync("Sign in again to export", new() { Timeout = 15_000 });
            await NoSeriousAccessibilityViolationAsync(page);
        }
        finally
        {
            configuration["Identity:ReauthenticateAfter"] = "00:10:00";
        }

        await panel.GetByTestId("export-sign-in").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/account/login"));
        await page.GetByLabel("Email").FillAsync(account.Email);
        await page.GetByLabel("Password").FillAsync(TestAccounts.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await page.GetByLabel("Code from your authenticator app, or a recovery code").FillAsync(TestAccounts.TotpCode(account));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        // Back on the dataset, with the format chosen before, and the export waiting for a click.
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/datasets/{dataset.Id}$"), new() { Timeout = 15_000 });
        panel = page.GetByTestId("export-panel");
        await Assertions.Expect(panel.GetByText("You signed in again: you can export now.")).ToBeVisibleAsync(Soon);
        await Assertions.Expect(panel.GetByLabel("JSON Lines (tools)")).ToBeCheckedAsync();
        var download = await page.RunAndWaitForDownloadAsync(() => panel.GetByRole(AriaRole.Button, new() { Name = "Export", Exact = true }).ClickAsync());
        Assert.EndsWith(".jsonl", download.SuggestedFilename, StringComparison.Ordinal);
        var lines = (await File.ReadAllLinesAsync((await download.PathAsync())!)).Where(l => l.Length > 0).ToList();
        // Three rows imported, one restricted to Alpha: Bravo's editor gets the other two.
        Assert.Equal(2, lines.Count);
        Assert.DoesNotContain(lines, l => l.Contains(hiddenRecord.PhoneE164!, StringComparison.Ordinal));
        await Assertions.Expect(panel.GetByRole(AriaRole.Status)).ToContainTextAsync("Exported");

        var exports = await alpha.ListAuditAsync(dataset.InvestigationId, action: AuditActions.Export);
        Assert.Single(exports.Items);
        await page.Context.CloseAsync();
    }

    /// <summary>A form's error states are pages too: axe finds no serious or critical violation in them.</summary>
    private static async Task NoSeriousAccessibilityViolationAsync(IPage page)
    {
        var axe = await page.RunAxe();
        var serious = axe.Violations.Where(v => v.Impact is "serious" or "critical").Select(v => $"{v.Id}: {string.Join("; ", v.Nodes.Select(n => n.Html))}");
        Assert.Empty(serious);
    }

    /// <summary>Nightjar, coordinated by ines@alpha with Bravo Tribune taking part, tom@bravo a reporter, and three records.</summary>
    private async Task<(InvestigationView Investigation, DatasetView Dataset)> GivenDatasetAsync()
    {
        var alpha = Server.ClientFor("ines@alpha");
        var investigation = await alpha.CreateInvestigationAsync(new NewInvestigation("Nightjar", "Shared leak", ["bravo"]));
        var tom = await Server.Accounts.AccountAsync("tom@bravo");
        await alpha.AddMemberAsync(investigation.Id, new NewMember(tom.Email, InvestigationRole.Reporter));
        var dataset = await alpha.CreateDatasetAsync(investigation.Id, new NewDataset("Selected numbers", ""));
        await alpha.ImportCsvAsync(dataset.Id, new MemoryStream(Encoding.UTF8.GetBytes(
            "phone,country,name\n07700 900123,GB,José Muñoz\n(202) 555-0101,US,Ana Ruiz\n07700 900124,GB,Li Wei\n")));
        return (investigation, dataset);
    }
}
