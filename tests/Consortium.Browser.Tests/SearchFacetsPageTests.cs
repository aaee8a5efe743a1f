using System.Text;
using System.Text.RegularExpressions;
using Consortium.Server.Annotations;
using Consortium.Server.Access;
using Consortium.Server.Records;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Consortium.Browser.Tests;

/// <summary>
/// Facets, sorting and infinite scroll on the dataset page and the investigation-wide search page, in Chromium against
/// the real server. Tags and dates are seeded as documents (only the fields search reads matter here).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class SearchFacetsPageTests(BrowserFixture fixture) : IAsyncLifetime
{
    private static readonly LocatorAssertionsToHaveCountOptions Slow = new() { Timeout = 15_000 };
    private ConsortiumServer Server => fixture.Server;

    public Task InitializeAsync() => Server.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<(InvestigationView Investigation, DatasetView Numbers, DatasetView Other)> GivenDatasetsAsync()
    {
        var alpha = Server.ClientFor("ines@alpha");
        var investigation = await alpha.CreateInvestigationAsync(new NewInvestigation("Nightjar", "Shared leak", ["bravo"]));
        var numbers = await alpha.CreateDatasetAsync(investigation.Id, new NewDataset("Selected numbers", ""));
        var rows = string.Concat(Enumerable.Range(1, 250).Select(i => $"07700 9{i:00000},GB,Person {i}\n"));
        await alpha.ImportCsvAsync(numbers.Id, new MemoryStream(Encoding.UTF8.GetBytes("phone,country,name\n" + rows)));
        var other = await alpha.CreateDatasetAsync(investigation.Id, new NewDataset("Call log", ""));
        await alpha.ImportCsvAsync(other.Id, new MemoryStream(Encoding.UTF8.GetBytes("phone,country,name\n+33 6 12 34 56 78,FR,Person in Paris\n")));

        var records = new List<RecordView>();
        string? after = null;
        do
        {
            var page = await alpha.SearchAsync(numbers.Id, new SearchQuery(), after, 500, facets: false);
            records.AddRange(page.Items.Select(r => r.Record));
            after = page.Next;
        }
        while (after is not null);
        var store = Server.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.LightweightSession();
        foreach (var row in new[] { 5L, 60L, 170L })
        {
            var record = records.Single(r => r.RowNumber == row);
            session.Store(new Annotation(Guid.NewGuid(), record.Id, numbers.Id, investigation.Id, "tag", "", Visibility.Consortium, "someone", "Someone", "alpha",
                DateTimeOffset.UtcNow, row, Tag: "suspect"));
        }
        var latest = await session.LoadAsync<LeakedRecord>(records.Single(r => r.RowNumber == 7).Id);
        session.Store(latest! with { Date = "2030-01-01" });
        var earlier = await session.LoadAsync<LeakedRecord>(records.Single(r => r.RowNumber == 9).Id);
        session.Store(earlier! with { Date = "2020-06-30" });
        // Records change only by import, which stores the dataset again; so do these dates, so that the facet summary
        // built as the import completed is known to be stale (RecordFacetSummary).
        session.Store((await session.LoadAsync<Dataset>(numbers.Id))!);
        await session.SaveChangesAsync();
        return (investigation, numbers, other);
    }

    [Fact]
    public async Task Dataset_page_opens_with_one_search_filters_by_tag_sorts_by_date_and_scrolls_to_the_last_row()
    {
        var (_, numbers, _) = await GivenDatasetsAsync();
        var page = await fixture.SignedInPageAsync("ines@alpha", "Alpha Gazette");
        var searches = 0;
        var listings = 0;
        page.Request += (_, request) =>
        {
            searches += request.Url.Contains($"/api/datasets/{numbers.Id}/search", StringComparison.Ordinal) ? 1 : 0;
            listings += request.Url.Contains($"/api/datasets/{numbers.Id}/records", StringComparison.Ordinal) ? 1 : 0;
        };

        await page.GotoAsync($"/datasets/{numbers.Id}");
        var status = page.GetByTestId("records-status");
        await Assertions.Expect(status).ToHaveTextAsync("250 records", new() { Timeout = 15_000 });
        var tags = page.GetByRole(AriaRole.Navigation, new() { Name = "Filter by tag" });
        await Assertions.Expect(tags.GetByRole(AriaRole.Button, new() { Name = "suspect 3" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Filter by annotations" })
            .GetByRole(AriaRole.Button, new() { Name = "Not annotated 247" })).ToBeVisibleAsync();
        // Opening the page is one search (rows, total and every facet at once), not a listing plus a facet search.
        Assert.Equal((1, 0), (searches, listings));
        // The table is windowed: far fewer rows in the document than records loaded.
        Assert.InRange(await page.GetByTestId("record-row").CountAsync(), 1, 60);

        // Infinite scroll on the cursor, to the very last row.
        var scroller = page.Locator(".table-scroll");
        var last = page.Locator("[data-testid=record-row][data-row-number='250']");
        for (var i = 0; i < 40 && await last.CountAsync() == 0; i++)
        {
            await scroller.EvaluateAsync("e => e.scrollTo(0, e.scrollHeight)");
            await page.WaitForTimeoutAsync(150);
        }
        await Assertions.Expect(last).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("End of records.")).ToBeVisibleAsync();

        // A tag from the facet panel.
        var suspect = tags.GetByRole(AriaRole.Button, new() { Name = "suspect 3" });
        await suspect.ClickAsync();
        await Assertions.Expect(suspect).ToHaveAttributeAsync("aria-pressed", "true");
        await Assertions.Expect(status).ToHaveTextAsync("3 matching records", new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByTestId("record-row")).ToHaveCountAsync(3, Slow);
        await suspect.ClickAsync();
        await Assertions.Expect(status).ToHaveTextAsync("250 records", new() { Timeout = 15_000 });

        // Newest first: the record dated 2030 leads, then 2020; undated records follow.
        await page.GetByLabel("Sort by").SelectOptionAsync("date");
        await page.GetByLabel("Order").SelectOptionAsync("desc");
        var rows = page.GetByTestId("record-row");
        await Assertions.Expect(rows.First).ToHaveAttributeAsync("data-row-number", "7", new() { Timeout = 15_000 });
        await Assertions.Expect(rows.Nth(1)).ToHaveAttributeAsync("data-row-number", "9");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("sort=date.*order=desc"));

        // A date range keeps the record dated inside it.
        await page.GetByLabel("From date").FillAsync("2020-01-01");
        await page.GetByLabel("To date").FillAsync("2020-12-31");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        await Assertions.Expect(status).ToHaveTextAsync("1 matching record", new() { Timeout = 15_000 });
        await Assertions.Expect(rows).ToHaveCountAsync(1, Slow);
        await Assertions.Expect(rows.First).ToContainTextAsync("Person 9");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Investigation_search_counts_per_dataset_and_narrows_to_one()
    {
        var (investigation, _, other) = await GivenDatasetsAsync();
        var page = await fixture.SignedInPageAsync("ines@alpha", "Alpha Gazette");

        await page.GotoAsync($"/investigations/{investigation.Id}");
        await page.GetByTestId("search-tab").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/investigations/{investigation.Id}/search$"));
        await Assertions.Expect(page.GetByTestId("records-status")).ToHaveTextAsync("251 records", new() { Timeout = 15_000 });
        var datasets = page.GetByRole(AriaRole.Navigation, new() { Name = "Filter by dataset" });
        await Assertions.Expect(datasets.GetByRole(AriaRole.Button, new() { Name = "Selected numbers 250" })).ToBeVisibleAsync();
        var callLog = datasets.GetByRole(AriaRole.Button, new() { Name = "Call log 1" });

        await callLog.ClickAsync();

        var rows = page.GetByTestId("record-row");
        await Assertions.Expect(rows).ToHaveCountAsync(1, Slow);
        await Assertions.Expect(rows.First).ToContainTextAsync("Call log");
        await Assertions.Expect(rows.First).ToContainTextAsync("Person in Paris");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"dataset={other.Id}"));
        await page.Context.CloseAsync();
    }
}
