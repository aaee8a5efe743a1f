using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Consortium.Browser.Tests;

[Collection(BrowserCollection.Name)]
public sealed partial class LiveAnnotationPageTests(BrowserFixture fixture) : IAsyncLifetime
{
    private static readonly LocatorAssertionsToBeVisibleOptions Soon = new() { Timeout = 15_000 };
    private ConsortiumServer Server => fixture.Server;

    public Task InitializeAsync() => Server.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<RecordView> GivenSharedRecordAsync()
    {
        var alpha = Server.ClientFor("ines@alpha");
        var investigation = await alpha.CreateInvestigationAsync(new NewInvestigation("Nightjar", "Shared leak", ["bravo"]));
        var reporter = await Server.Accounts.AccountAsync("tom.ellery@bravo");
        await alpha.AddMemberAsync(investigation.Id, new NewMember(reporter.Email, InvestigationRole.Reporter));
        var dataset = await alpha.CreateDatasetAsync(investigation.Id, new NewDataset("Selected numbers", ""));
        await alpha.ImportCsvAsync(dataset.Id, new MemoryStream(Encoding.UTF8.GetBytes("phone,country\n07700 900123,GB\n07700 900124,GB\n")));
        return (await alpha.ListRecordsAsync(dataset.Id)).Items[0];
    }

    [Fact]
    public async Task Reporter_finds_the_record_from_the_home_page_and_sees_a_partners_note_arrive_live()
    {
        var record = await GivenSharedRecordAsync();
        var page = await fixture.SignedInPageAsync("tom.ellery@bravo", "Bravo Tribune");

        await page.GetByTestId("investigation-link").First.ClickAsync();
        await page.GetByTestId("dataset-link").First.ClickAsync();
        await page.GetByTestId("record-row").First.ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/records/{record.Id}$"));
        await Assertions.Expect(page.GetByText("+447700900123").First).ToBeVisibleAsync(Soon);
        // The thread is empty until the note arrives; its region is what shows the page is ready.
        await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = "Annotations" })).ToBeVisibleAsync(Soon);

        // Posted elsewhere, by another outlet, after the page loaded: only the live push can bring it.
        await Server.ClientFor("ines@alpha").AddNoteAsync(record.Id, new NewNote("Identified: a reporter at a regional daily."));

        var arrived = page.GetByTestId("annotation").Filter(new() { HasText = "Identified: a reporter at a regional daily." });
        await Assertions.Expect(arrived).ToBeVisibleAsync(Soon);
        await Assertions.Expect(arrived).ToContainTextAsync("Consortium");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Note_posted_in_the_page_is_stored_and_script_in_it_stays_inert_text()
    {
        var record = await GivenSharedRecordAsync();
        var page = await fixture.SignedInPageAsync("tom.ellery@bravo", "Bravo Tribune");
        var dialogs = 0;
        page.Dialog += (_, dialog) => { dialogs++; _ = dialog.DismissAsync(); };
        await page.GotoAsync($"/records/{record.Id}");
        const string text = "<img src=x onerror=alert(1)> seen in the logs";

        await page.GetByLabel("Add a note").FillAsync(text);
        await page.GetByLabel("Visible to").SelectOptionAsync(new SelectOptionValue { Value = "consortium" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Post note" }).ClickAsync();

        var note = page.GetByTestId("annotation").Filter(new() { HasText = "seen in the logs" });
        await Assertions.Expect(note).ToBeVisibleAsync(Soon);
        await Assertions.Expect(note).ToContainTextAsync("<img src=x onerror=alert(1)>");
        Assert.Equal(0, await page.GetByTestId("annotation-list").Locator("img").CountAsync());
        Assert.Equal(0, dialogs);
        var stored = Assert.Single(await Server.ClientFor("ines@alpha").ListAnnotationsAsync(record.Id));
        Assert.Equal((text, "bravo"), (stored.Text, stored.OutletId));
        await page.Context.CloseAsync();
    }
}
