using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Consortium.Browser.Tests;

/// <summary>The dataset page's search: full text with highlights, and the country facets, in Chromium against the real server.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DatasetSearchPageTests(BrowserFixture fixture) : IAsyncLifetime
{
    private static readonly LocatorAssertionsToBeVisibleOptions Soon = new() { Timeout = 15_000 };
    private ConsortiumServer Server => fixture.Server;

    public Task InitializeAsync() => Server.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Coordinator_searches_text_ignoring_accents_and_filters_by_country()
    {
        var alpha = Server.ClientFor("ines@alpha");
        var investigation = await alpha.CreateInvestigationAsync(new NewInvestigation("Nightjar", "Shared leak", ["bravo"]));
        var dataset = await alpha.CreateDatasetAsync(investigation.Id, new NewDataset("Selected numbers", ""));
        await alpha.ImportCsvAsync(dataset.Id, new MemoryStream(Encoding.UTF8.GetBytes(
            "phone,country,name\n07700 900123,GB,José Muñoz\n(202) 555-0101,US,Ana Ruiz\n07700 900124,GB,Li Wei\n")));

        var page = await fixture.SignedInPageAsync("ines@alpha", "Alpha Gazette");
        await page.GotoAsync($"/datasets/{dataset.Id}");
        var rows = page.GetByTestId("record-row");
        // Without a search: the plain list of every record.
        await Assertions.Expect(rows).ToHaveCountAsync(3, new() { Timeout = 15_000 });

        // "/" focuses the search text box.
        await page.GetByRole(AriaRole.Heading, new() { Name = "Selected numbers", Level = 1 }).ClickAsync();
        await page.Keyboard.PressAsync("/");
        await Assertions.Expect(page.GetByLabel("Search text")).ToBeFocusedAsync();

        await page.GetByLabel("Search text").FillAsync("jose");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("records-status")).ToHaveTextAsync("1 matching record", new() { Timeout = 15_000 });
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToContainTextAsync("José");
        await Assertions.Expect(rows.First.Locator("mark").First).ToBeVisibleAsync(Soon);
        await Assertions.Expect(rows.First.Locator("mark").First).ToHaveTextAsync(new Regex("José", RegexOptions.IgnoreCase));

        // Cleared: the plain list again.
        await page.GetByLabel("Search text").FillAsync("");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(3, new() { Timeout = 15_000 });

        var facets = page.GetByRole(AriaRole.Navigation, new() { Name = "Filter by country" });
        var us = facets.GetByRole(AriaRole.Button, new() { Name = "US 1" });
        await Assertions.Expect(facets.GetByRole(AriaRole.Button, new() { Name = "GB 2" })).ToBeVisibleAsync(Soon);
        await us.ClickAsync();
        await Assertions.Expect(us).ToHaveAttributeAsync("aria-pressed", "true");
        await Assertions.Expect(rows).ToHaveCountAsync(1, new() { Timeout = 15_000 });
        await Assertions.Expect(rows.First).ToContainTextAsync("Ana Ruiz");
        await Assertions.Expect(page.GetByTestId("records-status")).ToHaveTextAsync("1 matching record");

        // Clicking again clears the filter.
        await us.ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(3, new() { Timeout = 15_000 });

        // A row still opens its record.
        await rows.Filter(new() { HasText = "Ana Ruiz" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/records/[0-9a-f-]+$"));
        // The record page shows each value as imported beside its normalised form.
        var phoneRow = page.GetByTestId("record-values").GetByRole(AriaRole.Row).Filter(new() { HasText = "(202) 555-0101" });
        await Assertions.Expect(phoneRow).ToContainTextAsync("+12025550101", new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByRole(AriaRole.Columnheader, new() { Name = "Normalised" })).ToBeVisibleAsync();
        await ValuesLineUpWithTheirHeadersAsync(page);
        // And on a phone, where the columns are narrowest.
        await page.SetViewportSizeAsync(390, 844);
        await ValuesLineUpWithTheirHeadersAsync(page);
        await page.Context.CloseAsync();
    }

    /// <summary>
    /// Every value cell of the record page's values table sits under its own column header (its box starts and ends
    /// within the header's), and a row's cells share one line: the normalised number once dropped under the field name.
    /// </summary>
    private static async Task ValuesLineUpWithTheirHeadersAsync(IPage page)
    {
        var table = page.GetByTestId("record-values");
        var headers = table.Locator("thead th");
        await Assertions.Expect(headers).ToHaveCountAsync(3);
        var headerBoxes = new List<LocatorBoundingBoxResult>();
        for (var i = 0; i < 3; i++)
        {
            headerBoxes.Add((await headers.Nth(i).BoundingBoxAsync())!);
        }
        var rows = table.Locator("tbody tr");
        var count = await rows.CountAsync();
        Assert.True(count >= 3);
        for (var r = 0; r < count; r++)
        {
            var cells = rows.Nth(r).Locator("th, td");
            Assert.Equal(3, await cells.CountAsync());
            var boxes = new List<LocatorBoundingBoxResult>();
            for (var c = 0; c < 3; c++)
            {
                var box = (await cells.Nth(c).BoundingBoxAsync())!;
                var header = headerBoxes[c];
                Assert.True(Math.Abs(box.X - header.X) < 1 && Math.Abs(box.Width - header.Width) < 1,
                    $"Row {r}, column {c}: cell at x {box.X} width {box.Width}, its header at x {header.X} width {header.Width}.");
                boxes.Add(box);
            }
            Assert.True(boxes.All(b => Math.Abs(b.Y - boxes[0].Y) < 1), $"Row {r}: its cells are not on one line.");
        }
    }
}
