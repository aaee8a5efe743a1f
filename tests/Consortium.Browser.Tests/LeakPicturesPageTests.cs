using System.Text;
using Microsoft.Playwright;

namespace Consortium.Browser.Tests;

/// <summary>
/// The pictures of the leak on the dataset page (decision 0032), in Chromium against the real server: the world map,
/// the timeline and the verification funnel are drawn by ECharts, carry their numbers as tables, follow the search's
/// filters, and the funnel moves when a verification is added elsewhere.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class LeakPicturesPageTests(BrowserFixture fixture) : IAsyncLifetime
{
    private static readonly LocatorAssertionsToHaveTextOptions Slow = new() { Timeout = 15_000 };
    private ConsortiumServer Server => fixture.Server;

    public Task InitializeAsync() => Server.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private const string Csv =
        "phone,country,name,date\n" +
        "+44 7700 900001,GB,Ann One,2021-03-04\n" +
        "+44 7700 900002,GB,Ben Two,2021-03-20\n" +
        "+44 7700 900003,GB,Cat Three,2021-05-01\n" +
        "+33 6 12 34 56 04,FR,Dan Four,2021-05-09\n" +
        "+33 6 12 34 56 05,FR,Eve Five,\n";

    private static ILocator Row(ILocator table, string header) =>
        table.Locator("tbody tr").Filter(new() { Has = table.Page.GetByRole(AriaRole.Rowheader, new() { Name = header, Exact = true }) }).Locator("td");

    [Fact]
    public async Task The_three_pictures_render_with_their_tables_follow_a_filter_and_a_new_verification_moves_the_funnel()
    {
        var alpha = Server.ClientFor("ines@alpha");
        var investigation = await alpha.CreateInvestigationAsync(new NewInvestigation("Nightjar", "Shared leak", ["bravo"]));
        var numbers = await alpha.CreateDatasetAsync(investigation.Id, new NewDataset("Selected numbers", ""));
        await alpha.ImportCsvAsync(numbers.Id, new MemoryStream(Encoding.UTF8.GetBytes(Csv)));
        var records = (await alpha.ListRecordsAsync(numbers.Id)).Items;
        var page = await fixture.SignedInPageAsync("ines@alpha", "Alpha Gazette");

        await page.GotoAsync($"/datasets/{numbers.Id}");

        var map = page.GetByTestId("chart-map");
        var timeline = page.GetByTestId("chart-timeline");
        var funnel = page.GetByTestId("chart-funnel");
        // Drawn by ECharts (its SVG renderer), each picture once loaded.
        foreach (var picture in new[] { map, timeline, funnel })
        {
            await Assertions.Expect(picture.Locator("[data-ready=true] svg").First).ToBeVisibleAsync(new() { Timeout = 20_000 });
        }
        var mapTable = page.GetByTestId("chart-map-table");
        var timelineTable = page.GetByTestId("chart-timeline-table");
        var funnelTable = page.GetByTestId("chart-funnel-table");
        await Assertions.Expect(Row(mapTable, "United Kingdom (GB)")).ToHaveTextAsync("3", Slow);
        await Assertions.Expect(Row(mapTable, "France (FR)")).ToHaveTextAsync("2");
        // Months between the first and the last are on the timeline at zero; the undated record is said apart.
        await Assertions.Expect(timelineTable.Locator("tbody th")).ToHaveTextAsync(["Mar 2021", "Apr 2021", "May 2021"]);
        await Assertions.Expect(Row(timelineTable, "Mar 2021")).ToHaveTextAsync("2");
        await Assertions.Expect(Row(timelineTable, "Apr 2021")).ToHaveTextAsync("0");
        await Assertions.Expect(Row(timelineTable, "May 2021")).ToHaveTextAsync("2");
        await Assertions.Expect(timeline.GetByText("1 selection without a readable date.")).ToBeVisibleAsync();
        await Assertions.Expect(Row(funnelTable, "No verdict yet")).ToHaveTextAsync("5");
        await Assertions.Expect(Row(funnelTable, "Unverified")).ToHaveTextAsync("0");
        if (Environment.GetEnvironmentVariable("CONSORTIUM_SCREENSHOTS") is { Length: > 0 } folder)
        {
            // To check the pictures by eye: CONSORTIUM_SCREENSHOTS=/some/folder.
            await page.SetViewportSizeAsync(1366, 768);
            await page.GetByTestId("leak-pictures").ScreenshotAsync(new() { Path = Path.Combine(folder, "leak-pictures.png") });
        }

        // The tables are for screen readers, and shown on request.
        await Assertions.Expect(mapTable).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("visually-hidden"));
        await map.GetByRole(AriaRole.Button, new() { Name = "Show the numbers" }).ClickAsync();
        await Assertions.Expect(mapTable).ToBeVisibleAsync();
        await Assertions.Expect(mapTable).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("visually-hidden"));

        // A country filter: the timeline and the funnel count France only; the map, like the country facet, still
        // shows every country.
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Filter by country" }).Locator("[data-value=FR]").ClickAsync();
        await Assertions.Expect(timelineTable.Locator("tbody th")).ToHaveTextAsync(["May 2021"], new() { Timeout = 15_000 });
        await Assertions.Expect(Row(timelineTable, "May 2021")).ToHaveTextAsync("1");
        await Assertions.Expect(Row(funnelTable, "No verdict yet")).ToHaveTextAsync("2", Slow);
        await Assertions.Expect(Row(mapTable, "United Kingdom (GB)")).ToHaveTextAsync("3");

        // A verification added by someone else, through the API: the funnel follows without a reload.
        var french = records.First(r => r.Country == "FR");
        await alpha.AddAnnotationAsync(french.Id, new NewAnnotation(AnnotationKinds.Verification, Visibility: Visibility.Consortium));
        await Assertions.Expect(Row(funnelTable, "Unverified")).ToHaveTextAsync("1", Slow);
        await Assertions.Expect(Row(funnelTable, "No verdict yet")).ToHaveTextAsync("1", Slow);
    }

    [Fact]
    public async Task The_investigation_page_draws_every_dataset_the_outlet_sees_and_says_which_have_no_date()
    {
        var alpha = Server.ClientFor("ines@alpha");
        var investigation = await alpha.CreateInvestigationAsync(new NewInvestigation("Nightjar", "Shared leak", ["bravo"]));
        var numbers = await alpha.CreateDatasetAsync(investigation.Id, new NewDataset("Selected numbers", ""));
        await alpha.ImportCsvAsync(numbers.Id, new MemoryStream(Encoding.UTF8.GetBytes(Csv)));
        var calls = await alpha.CreateDatasetAsync(investigation.Id, new NewDataset("Call log", ""));
        await alpha.ImportCsvAsync(calls.Id, new MemoryStream(Encoding.UTF8.GetBytes("phone,country,name\n+52 55 1234 5678,MX,Someone in Mexico\n")));
        var page = await fixture.SignedInPageAsync("ines@alpha", "Alpha Gazette");

        await page.GotoAsync($"/investigations/{investigation.Id}");

        var mapTable = page.GetByTestId("chart-map-table");
        await Assertions.Expect(page.GetByTestId("chart-map").Locator("[data-ready=true] svg").First).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Assertions.Expect(Row(mapTable, "Mexico (MX)")).ToHaveTextAsync("1", Slow);
        await Assertions.Expect(Row(mapTable, "United Kingdom (GB)")).ToHaveTextAsync("3");
        await Assertions.Expect(Row(page.GetByTestId("chart-funnel-table"), "No verdict yet")).ToHaveTextAsync("6");
        await Assertions.Expect(page.GetByTestId("chart-timeline").GetByText("Without a date column, so not on the timeline: Call log.", new() { Exact = false })).ToBeVisibleAsync();
    }
}
