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

    [Fact]
    public async Task Two_outlets_see_each_others_consortium_notes_live_and_never_each_others_outlet_only_notes()
    {
        var record = await GivenSharedRecordAsync();
        var alpha = await fixture.SignedInPageAsync("ines@alpha", "Alpha Gazette");
        var bravo = await fixture.SignedInPageAsync("tom.ellery@bravo", "Bravo Tribune");
        foreach (var page in new[] { alpha, bravo })
        {
            await page.GotoAsync($"/records/{record.Id}");
            await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = "Annotations" })).ToBeVisibleAsync(Soon);
        }
        // Both pages joined: each shows the other looking at the record (alpha from bravo's arrival, bravo from the
        // list it got on joining).
        await Assertions.Expect(alpha.GetByTestId("presence")).ToContainTextAsync("Bravo Tribune", new() { Timeout = 15_000 });
        await Assertions.Expect(bravo.GetByTestId("presence")).ToContainTextAsync("Alpha Gazette", new() { Timeout = 15_000 });

        await PostAsync(alpha, "Alpha **outlet** lead", "outlet");
        await PostAsync(bravo, "Bravo outlet lead", "outlet");
        await PostAsync(alpha, "Alpha finding for **everyone**", "consortium");
        await PostAsync(bravo, "Bravo finding for everyone", "consortium");

        // Each consortium note arrives live in the other outlet's page, rendered as Markdown.
        await Assertions.Expect(bravo.GetByTestId("annotation").Filter(new() { HasText = "Alpha finding for everyone" })).ToBeVisibleAsync(Soon);
        await Assertions.Expect(bravo.GetByTestId("annotation").Locator("strong", new() { HasText = "everyone" })).ToBeVisibleAsync(Soon);
        await Assertions.Expect(alpha.GetByTestId("annotation").Filter(new() { HasText = "Bravo finding for everyone" })).ToBeVisibleAsync(Soon);
        // The outlet-only notes were posted before them: had they been pushed across, they would be here by now.
        Assert.Equal(0, await bravo.GetByTestId("annotation").Filter(new() { HasText = "Alpha outlet lead" }).CountAsync());
        Assert.Equal(0, await alpha.GetByTestId("annotation").Filter(new() { HasText = "Bravo outlet lead" }).CountAsync());
        // And a reload (the server's list) agrees.
        await bravo.ReloadAsync();
        await Assertions.Expect(bravo.GetByTestId("annotation").Filter(new() { HasText = "Alpha finding for everyone" })).ToBeVisibleAsync(Soon);
        Assert.Equal(0, await bravo.GetByTestId("annotation").Filter(new() { HasText = "Alpha outlet lead" }).CountAsync());
        // Bravo closes the page: alpha's page stops showing bravo, and still shows alpha.
        await Assertions.Expect(alpha.GetByTestId("presence")).ToContainTextAsync("Bravo Tribune", new() { Timeout = 15_000 });
        await bravo.Context.CloseAsync();
        await Assertions.Expect(alpha.GetByTestId("presence")).Not.ToContainTextAsync("Bravo Tribune", new() { Timeout = 15_000 });
        await Assertions.Expect(alpha.GetByTestId("presence")).ToContainTextAsync("Alpha Gazette");
        await alpha.Context.CloseAsync();
    }

    [Fact]
    public async Task Markdown_note_shows_no_remote_image_and_an_edit_arrives_live_with_its_history()
    {
        var record = await GivenSharedRecordAsync();
        var bravo = await fixture.SignedInPageAsync("tom.ellery@bravo", "Bravo Tribune");
        await bravo.GotoAsync($"/records/{record.Id}");
        await Assertions.Expect(bravo.GetByRole(AriaRole.Region, new() { Name = "Annotations" })).ToBeVisibleAsync(Soon);
        var ines = Server.ClientFor("ines@alpha");

        var note = await ines.AddNoteAsync(record.Id, new NewNote("Draft ![tracker](http://198.51.100.7/pixel.png) [link](javascript:alert(1))"));
        var shown = bravo.GetByTestId("annotation").Filter(new() { HasText = "Draft" });
        await Assertions.Expect(shown).ToBeVisibleAsync(Soon);
        Assert.Equal(0, await shown.Locator("img").CountAsync());
        Assert.Equal(0, await shown.Locator("a[href^='javascript']").CountAsync());

        await ines.EditAnnotationAsync(note.Id, note.Version, new AnnotationChange(Text: "Final wording"));
        await Assertions.Expect(bravo.GetByTestId("annotation").Filter(new() { HasText = "Final wording" })).ToBeVisibleAsync(Soon);
        await bravo.GetByTestId("annotation").Filter(new() { HasText = "Final wording" }).GetByRole(AriaRole.Button, new() { Name = "History" }).ClickAsync();
        await Assertions.Expect(bravo.GetByTestId("annotation-history")).ToContainTextAsync("edited", new() { Timeout = 15_000 });
        await Assertions.Expect(bravo.GetByTestId("annotation-history")).ToContainTextAsync("Draft");
        await bravo.Context.CloseAsync();
    }

    private static async Task PostAsync(IPage page, string text, string visibility)
    {
        await page.GetByLabel("Add a note").FillAsync(text);
        await page.GetByLabel("Visible to").SelectOptionAsync(new SelectOptionValue { Value = visibility });
        await page.GetByRole(AriaRole.Button, new() { Name = "Post note" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("annotation").Filter(new() { HasText = text.Replace("**", "", StringComparison.Ordinal) })).ToBeVisibleAsync(Soon);
    }

    [Fact]
    public async Task Verification_board_moves_a_card_between_state_columns_live_and_the_inbox_shows_a_mention_live()
    {
        var record = await GivenSharedRecordAsync();
        var page = await fixture.SignedInPageAsync("ines@alpha", "Alpha Gazette");
        var bravo = Server.ClientFor("tom.ellery@bravo");
        var investigationId = (await Server.ClientFor("ines@alpha").ListInvestigationsAsync())[0].Id;
        await page.GotoAsync($"/investigations/{investigationId}/verifications");
        await Assertions.Expect(page.GetByTestId("verification-board")).ToBeVisibleAsync(Soon);

        var verification = await bravo.AddAnnotationAsync(record.Id, new NewAnnotation(AnnotationKinds.Verification));
        await Assertions.Expect(page.Locator("[data-state='unverified'] [data-testid='verification-card']")).ToHaveCountAsync(1, new() { Timeout = 15_000 });
        await bravo.MoveVerificationAsync(verification.Id, verification.Version, new VerificationChange(VerificationStates.Identified));
        await Assertions.Expect(page.Locator("[data-state='identified'] [data-testid='verification-card']")).ToHaveCountAsync(1, new() { Timeout = 15_000 });
        await Assertions.Expect(page.Locator("[data-state='unverified'] [data-testid='verification-card']")).ToHaveCountAsync(0);

        await page.GetByTestId("nav-inbox").ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Inbox" })).ToBeVisibleAsync(Soon);
        var inesId = (await Server.Accounts.AccountAsync("ines@alpha")).Id;
        await bravo.AddNoteAsync(record.Id, new NewNote($"@{inesId} please look"));
        await Assertions.Expect(page.GetByTestId("inbox-entry").Filter(new() { HasText = "mentioned you" })).ToBeVisibleAsync(Soon);
        await page.Context.CloseAsync();
    }
}
