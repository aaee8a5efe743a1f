using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Consortium.Browser.Tests;

/// <summary>
/// The UI's languages and time zone, chosen in the header and kept for the person on the server (decision 0033):
/// Arabic lays the page out right to left, a choice follows the person to a fresh browser, dates follow the zone.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class LanguageTests(BrowserFixture fixture) : IAsyncLifetime
{
    private static readonly LocatorAssertionsToBeVisibleOptions Soon = new() { Timeout = 15_000 };
    private ConsortiumServer Server => fixture.Server;

    public Task InitializeAsync() => Server.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static async Task ChooseLanguageAsync(IPage page, string language)
    {
        await page.GetByTestId("prefs-menu").Locator("summary").ClickAsync();
        await page.GetByTestId("language-select").SelectOptionAsync(language);
    }

    [Fact]
    public async Task The_Arabic_UI_is_laid_out_right_to_left_on_every_page()
    {
        var alpha = Server.ClientFor("ines@alpha");
        var investigation = await alpha.CreateInvestigationAsync(new NewInvestigation("Nightjar", "Shared leak", ["bravo"]));
        var dataset = await alpha.CreateDatasetAsync(investigation.Id, new NewDataset("Selected numbers", ""));
        await alpha.ImportCsvAsync(dataset.Id, new MemoryStream(Encoding.UTF8.GetBytes(
            "phone,country,name\n07700 900123,GB,José Muñoz\n(202) 555-0101,US,Ana Ruiz\n")));
        var page = await fixture.SignedInPageAsync("ines@alpha", "Alpha Gazette", outletAdmin: true);

        await ChooseLanguageAsync(page, "ar");

        var html = page.Locator("html");
        await Assertions.Expect(html).ToHaveAttributeAsync("dir", "rtl");
        await Assertions.Expect(html).ToHaveAttributeAsync("lang", "ar");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "التحقيقات", Level = 1 })).ToBeVisibleAsync(Soon);
        // Mirrored: the brand sits at the right end of the header and the person's box at the left.
        var width = page.ViewportSize!.Width;
        var brand = await page.Locator(".brand").BoundingBoxAsync();
        var userBox = await page.Locator(".user-box").BoundingBoxAsync();
        Assert.True(brand!.X > width / 2, $"brand at x={brand.X} of {width}");
        Assert.True(userBox!.X + userBox.Width < width / 2 + 1, $"user box ends at x={userBox.X + userBox.Width} of {width}");

        // Every page, in Arabic: its heading shows, nothing reaches past the window's width.
        string[] pages =
        [
            "/", $"/investigations/{investigation.Id}", $"/investigations/{investigation.Id}/members",
            $"/investigations/{investigation.Id}/audit", $"/investigations/{investigation.Id}/board",
            $"/investigations/{investigation.Id}/search", $"/investigations/{investigation.Id}/publication",
            $"/datasets/{dataset.Id}", "/inbox", "/outlet",
        ];
        var shots = Environment.GetEnvironmentVariable("CONSORTIUM_SCREENSHOTS");
        foreach (var path in pages)
        {
            await page.GotoAsync(path);
            await Assertions.Expect(page.Locator("main h1").First).ToBeVisibleAsync(Soon);
            await Assertions.Expect(html).ToHaveAttributeAsync("dir", "rtl");
            var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
            Assert.True(overflow <= 0, $"{path} overflows by {overflow}px in Arabic");
            if (!string.IsNullOrEmpty(shots))
            {
                await page.ScreenshotAsync(new() { Path = Path.Combine(shots, $"ar{path.Replace('/', '_')}.png"), FullPage = true });
            }
        }

        // The record page: values on the (now right-hand) start side.
        await page.GotoAsync($"/datasets/{dataset.Id}");
        await page.GetByTestId("record-row").Filter(new() { HasText = "Ana Ruiz" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("record-values")).ToContainTextAsync("+12025550101", new() { Timeout = 15_000 });
        if (!string.IsNullOrEmpty(shots))
        {
            await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "ar_record.png"), FullPage = true });
        }
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_chosen_language_changes_the_page_at_once_and_follows_the_person_to_a_fresh_browser()
    {
        var page = await fixture.SignedInPageAsync("tom@bravo", "Bravo Tribune");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Investigations", Level = 1 })).ToBeVisibleAsync(Soon);

        await ChooseLanguageAsync(page, "fr");

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Enquêtes", Level = 1 })).ToBeVisibleAsync(Soon);
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "fr");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Se déconnecter" })).ToBeVisibleAsync();
        await page.Context.CloseAsync();

        // Another browser (its own cookies, asking for English): signed in on the English pages, then French.
        var elsewhere = await fixture.SignedInPageAsync("tom@bravo", "Bravo Tribune");
        await Assertions.Expect(elsewhere.GetByRole(AriaRole.Heading, new() { Name = "Enquêtes", Level = 1 })).ToBeVisibleAsync(Soon);
        await Assertions.Expect(elsewhere.Locator("html")).ToHaveAttributeAsync("dir", "ltr");

        // Signed out there, the sign-in page speaks French too.
        await elsewhere.GetByRole(AriaRole.Button, new() { Name = "Se déconnecter" }).ClickAsync();
        await Assertions.Expect(elsewhere).ToHaveURLAsync(new Regex("/account/login"), new() { Timeout = 15_000 });
        await Assertions.Expect(elsewhere.GetByRole(AriaRole.Heading, new() { Name = "Connexion", Level = 1 })).ToBeVisibleAsync(Soon);
        await elsewhere.Context.CloseAsync();
    }

    [Fact]
    public async Task Dates_follow_the_time_zone_the_person_chooses()
    {
        var alpha = Server.ClientFor("ines@alpha");
        var investigation = await alpha.CreateInvestigationAsync(new NewInvestigation("Nightjar", "Shared leak", ["bravo"]));
        var reporter = await Server.Accounts.AccountAsync("tom.ellery@bravo");
        var until = new DateTimeOffset(2030, 1, 15, 3, 0, 0, TimeSpan.Zero);
        await alpha.AddMemberAsync(investigation.Id, new NewMember(reporter.Email, InvestigationRole.Reporter, until));
        var page = await fixture.SignedInPageAsync("ines@alpha", "Alpha Gazette");
        await page.GotoAsync($"/investigations/{investigation.Id}/members");
        var expiry = page.GetByTestId("member-row").Filter(new() { HasText = "Tom Ellery" }).Locator("time");

        await page.GetByTestId("prefs-menu").Locator("summary").ClickAsync();
        foreach (var (zone, shown) in new[] { ("Asia/Tokyo", "Jan 15, 2030, 12:00"), ("America/New_York", "Jan 14, 2030, 10:00") })
        {
            await page.GetByTestId("timezone-input").FillAsync(zone);
            await page.GetByRole(AriaRole.Button, new() { Name = "Save time zone" }).ClickAsync();
            await Assertions.Expect(page.GetByTestId("prefs-menu")).ToContainTextAsync(zone, new() { Timeout = 15_000 });
            await Assertions.Expect(expiry).ToContainTextAsync(shown, new() { Timeout = 15_000 });
            // The exact instant on hover does not move.
            await Assertions.Expect(expiry).ToHaveAttributeAsync("title", "2030-01-15T03:00:00.000Z (UTC)");
        }

        // Kept on the server for the person.
        var me = await Server.ClientFor("ines@alpha").GetMeAsync();
        Assert.Equal("America/New_York", me.TimeZone);
        await page.Context.CloseAsync();
    }
}
