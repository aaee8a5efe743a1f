using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Consortium.Browser.Tests;

/// <summary>Uploading a file on the dataset page: the progress bar pushed over SignalR, then search and a record, in Chromium.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DatasetImportPageTests(BrowserFixture fixture) : IAsyncLifetime
{
    private ConsortiumServer Server => fixture.Server;

    public Task InitializeAsync() => Server.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Editor_uploads_a_CSV_watches_the_import_finish_then_searches_and_opens_a_record()
    {
        var alpha = Server.ClientFor("ines@alpha");
        var investigation = await alpha.CreateInvestigationAsync(new NewInvestigation("Nightjar", "Shared leak", ["bravo"]));
        var dataset = await alpha.CreateDatasetAsync(investigation.Id, new NewDataset("Selected numbers", ""));
        var csv = new StringBuilder("phone,country,name\n");
        for (var i = 0; i < 12_000; i++)
        {
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"+44 7700 {i:D6},GB,Person {i}\n");
        }
        csv.Append("(202) 555-0101,US,Ana Ruiz\nnot a number,GB,Nobody\n");
        var file = Path.Combine(Path.GetTempPath(), $"consortium-upload-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(file, csv.ToString());
        try
        {
            var page = await fixture.SignedInPageAsync("ines@alpha", "Alpha Gazette");
            await page.GotoAsync($"/datasets/{dataset.Id}");

            await page.GetByLabel("CSV, JSON Lines or XLSX file").SetInputFilesAsync(file);
            await page.GetByRole(AriaRole.Button, new() { Name = "Import", Exact = true }).ClickAsync();

            var progress = page.GetByRole(AriaRole.Progressbar, new() { NameRegex = new Regex("Import progress") });
            await Assertions.Expect(progress).ToBeVisibleAsync(new() { Timeout = 15_000 });
            await Assertions.Expect(page.Locator("[data-import-state]")).ToHaveTextAsync("Done", new() { Timeout = 60_000 });
            await Assertions.Expect(progress).ToHaveAttributeAsync("value", "100");
            await Assertions.Expect(page.GetByText("12,002 rows read: 12,001 imported, 0 already present, 1 rejected")).ToBeVisibleAsync(new() { Timeout = 15_000 });
            var report = page.GetByRole(AriaRole.Table, new() { Name = "Rows that could not be imported" });
            await Assertions.Expect(report).ToContainTextAsync("12002");
            await Assertions.Expect(report).ToContainTextAsync("phone");

            await page.GetByLabel("Search text").FillAsync("Ruiz");
            await page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
            var rows = page.GetByTestId("record-row");
            await Assertions.Expect(rows).ToHaveCountAsync(1, new() { Timeout = 15_000 });
            await rows.First.ClickAsync();
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("/records/[0-9a-f-]+$"));
            await Assertions.Expect(page.GetByText("+12025550101").First).ToBeVisibleAsync(new() { Timeout = 15_000 });
            await page.Context.CloseAsync();
        }
        finally
        {
            File.Delete(file);
        }
    }
}
