using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Consortium.Browser.Tests;

/// <summary>
/// The coordinators' audit log page (/investigations/{id}/audit), driven in Chromium against the real server after a
/// real sign-in (password, then authenticator code).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AuditPageTests(BrowserFixture fixture) : IAsyncLifetime
{
    private static readonly LocatorAssertionsToBeVisibleOptions Soon = new() { Timeout = 15_000 };
    private ConsortiumServer Server => fixture.Server;

    public Task InitializeAsync() => Server.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>
    /// An investigation coordinated by ines@alpha (who opened it), with tom.ellery@alpha as a reporter (of the coordinator's outlet: another outlet's reads are shown without the record, AuditOutletWallTests) and one dataset of
    /// two records; Tom has listed the records and read the first one through the API.
    /// </summary>
    private async Task<(InvestigationView Investigation, TestAccount Reporter, RecordView Record)> GivenReporterReadARecordAsync()
    {
        var alpha = Server.ClientFor("ines@alpha");
        var investigation = await alpha.CreateInvestigationAsync(new NewInvestigation("Nightjar", "Shared leak", ["bravo"]));
        var reporter = await Server.Accounts.AccountAsync("tom.ellery@alpha");
        await alpha.AddMemberAsync(investigation.Id, new NewMember(reporter.Email, InvestigationRole.Reporter));
        var dataset = await alpha.CreateDatasetAsync(investigation.Id, new NewDataset("Selected numbers", ""));
        await alpha.ImportCsvAsync(dataset.Id, new MemoryStream(Encoding.UTF8.GetBytes("phone,country\n07700 900123,GB\n07700 900124,GB\n")));

        var tom = Server.ClientFor("tom.ellery@alpha");
        var first = (await tom.ListRecordsAsync(dataset.Id)).Items[0];
        var record = await tom.GetRecordAsync(first.Id);
        return (investigation, reporter, record);
    }

    [Fact]
    public async Task Coordinator_sees_who_read_a_record_and_filters_the_log_by_person()
    {
        var (investigation, reporter, record) = await GivenReporterReadARecordAsync();
        var page = await fixture.SignedInPageAsync("ines@alpha", "Alpha Gazette");

        await page.GotoAsync($"/investigations/{investigation.Id}");
        await page.GetByRole(AriaRole.Link, new() { Name = "Audit", Exact = true }).ClickAsync(new() { Timeout = 15_000 });
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/investigations/{investigation.Id}/audit$"));
        await Assertions.Expect(page.GetByTestId("audit-tab")).ToHaveAttributeAsync("aria-current", "page");
        await Assertions.Expect(page.GetByTestId("audit-chain-note")).ToContainTextAsync("append-only");

        // The reporter's read is there, named, with its time in UTC on hover and its place in the chain.
        var read = page.GetByTestId("audit-row").And(page.Locator("[data-action='record.read']"));
        await Assertions.Expect(read).ToBeVisibleAsync(Soon);
        await Assertions.Expect(read).ToContainTextAsync("Opened a record");
        await Assertions.Expect(read).ToContainTextAsync("Tom Ellery");
        await Assertions.Expect(read).ToContainTextAsync("Alpha Gazette");
        await Assertions.Expect(read).ToContainTextAsync(record.Id.ToString());
        await Assertions.Expect(read.Locator("time")).ToHaveAttributeAsync("title", new Regex(@"Z \(UTC\)$"));
        var stored = Assert.Single((await Server.ClientFor("ines@alpha").ListAuditAsync(investigation.Id, action: AuditActions.RecordRead)).Items);
        // No hash (each depends on entries withheld from the reader): the entry's place in the chain once sealed.
        Assert.Null(stored.Hash);
        await Assertions.Expect(read.GetByTestId("audit-position").Or(read.GetByTestId("audit-hash-pending"))).ToBeVisibleAsync();
        // The coordinator's own actions are listed too, until the filter leaves only the reporter's.
        await Assertions.Expect(page.Locator($"[data-testid='audit-row'][data-actor-id='{reporter.Id}']")).ToHaveCountAsync(2);
        await Assertions.Expect(page.GetByTestId("audit-row").Filter(new() { HasText = "Created the investigation" })).ToBeVisibleAsync();

        await page.GetByLabel("Person", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Value = reporter.Id });
        await page.GetByRole(AriaRole.Button, new() { Name = "Show entries" }).ClickAsync();

        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"actor={Regex.Escape(reporter.Id)}"));
        await Assertions.Expect(page.GetByTestId("audit-status")).ToHaveTextAsync("2 entries shown", new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByTestId("audit-row")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator($"[data-testid='audit-row']:not([data-actor-id='{reporter.Id}'])")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("audit-row").Filter(new() { HasText = "Listed records" })).ToContainTextAsync("Tom Ellery");
        await Assertions.Expect(read).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Reporter_sees_no_audit_tab_and_is_refused_the_page()
    {
        var (investigation, _, _) = await GivenReporterReadARecordAsync();
        var page = await fixture.SignedInPageAsync("tom.ellery@alpha", "Alpha Gazette");

        await page.GotoAsync($"/investigations/{investigation.Id}");
        await Assertions.Expect(page.GetByTestId("members-link")).ToBeVisibleAsync(Soon);
        await Assertions.Expect(page.GetByTestId("dataset-link")).ToBeVisibleAsync(Soon);
        await Assertions.Expect(page.GetByTestId("audit-tab")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Audit", Exact = true })).ToHaveCountAsync(0);

        // Opened directly, the page shows the server's refusal and no entries.
        await page.GotoAsync($"/investigations/{investigation.Id}/audit");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Coordinators only", new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByTestId("audit-table")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("audit-filters")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("audit-tab")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }
}
