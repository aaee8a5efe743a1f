using System.Globalization;
using Microsoft.Playwright;

namespace Consortium.Browser.Tests;

/// <summary>
/// The embargo desk in the browser: a coordinator moves an embargo, a partner outlet's editor is told on whatever page
/// they are and acknowledges, and the coordinator's story page shows it without reload; an outlet not taking part in a
/// story never sees it.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class PublicationDeskTests(BrowserFixture fixture) : IAsyncLifetime
{
    private static readonly LocatorAssertionsToBeVisibleOptions Soon = new() { Timeout = 15_000 };
    private ConsortiumServer Server => fixture.Server;

    public Task InitializeAsync() => Server.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static string Local(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);

    private sealed record Plan(Guid InvestigationId, WaveView Wave, StoryView Story, DateTimeOffset Embargo);

    /// <summary>
    /// Nightjar: alpha coordinates (ines), bravo's Nadia edits, charlie's Carl reports. One locked wave five days ahead
    /// (entered in UTC) with one story of alpha and bravo; charlie takes part in the investigation, not in the story.
    /// </summary>
    private async Task<Plan> GivenPlanAsync()
    {
        var alpha = Server.ClientFor("ines@alpha");
        var investigation = await alpha.CreateInvestigationAsync(new NewInvestigation("Nightjar", "Shared leak", ["bravo", "charlie"]));
        await alpha.AddMemberAsync(investigation.Id, new NewMember((await Server.Accounts.AccountAsync("nadia.brook@bravo")).Email, InvestigationRole.Editor));
        await alpha.AddMemberAsync(investigation.Id, new NewMember((await Server.Accounts.AccountAsync("carl.mendez@charlie")).Email, InvestigationRole.Reporter));
        var embargo = new DateTimeOffset(DateTimeOffset.UtcNow.AddDays(5).UtcDateTime.Date.AddHours(16), TimeSpan.Zero);
        var wave = await alpha.CreateWaveAsync(investigation.Id, new NewWave("First wave", new EmbargoInput(Local(embargo), "UTC")));
        var story = await alpha.CreateStoryAsync(investigation.Id, new NewStory(wave.Id, "The spyware clients", "Who selected whom", "alpha", ["bravo"]));
        wave = await alpha.LockEmbargoAsync(wave.Id);
        // A letter whose deadline falls after the embargo (the desk warns) and one step signed off.
        var now = DateTimeOffset.UtcNow;
        story = await alpha.SendLetterAsync(story.Id, new NewLetter("Ministry of the Interior", "email", "v2", now.AddHours(-1), embargo.AddDays(1)));
        story = await alpha.SignOffAsync(story.Id, new SignOffChange(SignOffSteps.LegalReview, true));
        return new(investigation.Id, wave, story, embargo);
    }

    /// <summary>With CONSORTIUM_SCREENSHOTS set to a folder, a full-page picture at 1366×768 to check the layout by eye.</summary>
    private static async Task ScreenshotAsync(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable("CONSORTIUM_SCREENSHOTS") is { Length: > 0 } folder)
        {
            await page.SetViewportSizeAsync(1366, 768);
            await page.ScreenshotAsync(new() { Path = Path.Combine(folder, name + ".png"), FullPage = true });
        }
    }

    private static ILocator Acknowledgement(IPage page, string outletId) =>
        page.Locator($"[data-testid=acknowledgement][data-outlet-id='{outletId}']");

    [Fact]
    public async Task Coordinator_moves_the_embargo_and_sees_the_partner_editor_acknowledge_it_from_the_banner_live()
    {
        var plan = await GivenPlanAsync();
        var editorPage = await fixture.SignedInPageAsync("nadia.brook@bravo", "Bravo Tribune");
        await editorPage.GotoAsync($"/investigations/{plan.InvestigationId}/publication");
        await Assertions.Expect(editorPage.GetByRole(AriaRole.Heading, new() { Name = "Publication plan of Nightjar" })).ToBeVisibleAsync(Soon);
        await Assertions.Expect(editorPage.GetByTestId("plan-story").GetByText("The spyware clients")).ToBeVisibleAsync(Soon);
        await Assertions.Expect(editorPage.GetByTestId("embargo-moved-banner")).ToHaveCountAsync(0);

        var coordinatorPage = await fixture.SignedInPageAsync("ines@alpha", "Alpha Gazette");
        await coordinatorPage.GotoAsync($"/stories/{plan.Story.Id}");
        await Assertions.Expect(coordinatorPage.GetByRole(AriaRole.Heading, new() { Name = "The spyware clients" })).ToBeVisibleAsync(Soon);
        await coordinatorPage.GetByTestId("move-embargo").ClickAsync();
        var form = coordinatorPage.GetByTestId("move-embargo-form");
        await Assertions.Expect(form).ToBeVisibleAsync(Soon);

        // A local time the clocks skip in Paris: the server's problem shows beside the time, as one types.
        await form.GetByLabel("Embargo: local date and time").FillAsync("2027-03-28T02:30");
        await form.GetByLabel("Time zone (IANA id)").FillAsync("Europe/Paris");
        await Assertions.Expect(form.GetByTestId("field-error")).ToContainTextAsync("does not exist in Europe/Paris", new() { Timeout = 15_000 });
        await Assertions.Expect(form.GetByLabel("Embargo: local date and time")).ToHaveAttributeAsync("aria-invalid", "true");

        // No reason: refused before anything is sent, beside the field.
        var later = plan.Embargo.AddDays(1);
        await form.GetByLabel("Time zone (IANA id)").FillAsync("UTC");
        await form.GetByLabel("Embargo: local date and time").FillAsync(Local(later));
        await form.GetByLabel("Also show it in").FillAsync("Asia/Kolkata, America/Mexico_City");
        // The server's answer as one types: the new instant in the chosen zones, with their offsets.
        var preview = form.GetByTestId("embargo-preview");
        await Assertions.Expect(preview.Locator("tr[data-zone='Asia/Kolkata']")).ToContainTextAsync("+05:30", new() { Timeout = 15_000 });
        await Assertions.Expect(preview.Locator("tr[data-zone='Asia/Kolkata']")).ToContainTextAsync("21:30");
        await ScreenshotAsync(coordinatorPage, "move-form");
        await form.GetByRole(AriaRole.Button, new() { Name = "Move embargo" }).ClickAsync();
        await Assertions.Expect(form.GetByTestId("field-error")).ToContainTextAsync("Say why the embargo moves");
        Assert.Equal(plan.Embargo, (await Server.ClientFor("ines@alpha").GetWaveAsync(plan.Wave.Id)).Embargo.Utc);

        await form.GetByLabel("Reason for the move (required)").FillAsync("Bravo's lawyers need another day");
        await form.GetByRole(AriaRole.Button, new() { Name = "Move embargo" }).ClickAsync();
        await Assertions.Expect(coordinatorPage.GetByTestId("move-embargo-form")).ToHaveCountAsync(0, new() { Timeout = 15_000 });
        Assert.Equal(later, (await Server.ClientFor("ines@alpha").GetWaveAsync(plan.Wave.Id)).Embargo.Utc);
        await Assertions.Expect(coordinatorPage.GetByTestId("embargo-state")).ToHaveAttributeAsync("data-state", "postponed", new() { Timeout = 15_000 });
        var bravo = Acknowledgement(coordinatorPage, "bravo");
        await Assertions.Expect(bravo).ToHaveAttributeAsync("data-acknowledged", "false", new() { Timeout = 15_000 });
        await Assertions.Expect(bravo).ToContainTextAsync("Not yet");

        // The editor's page was not reloaded: the banner comes over the hub, with the coordinator's reason.
        var banner = editorPage.GetByTestId("embargo-moved-banner");
        await Assertions.Expect(banner).ToBeVisibleAsync(Soon);
        await Assertions.Expect(banner).ToContainTextAsync("Bravo's lawyers need another day");
        await ScreenshotAsync(editorPage, "plan-with-banner");
        await banner.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" }).ClickAsync();
        await Assertions.Expect(editorPage.GetByTestId("embargo-moved-banner")).ToHaveCountAsync(0, new() { Timeout = 15_000 });

        // The coordinator's board shows it, live.
        await Assertions.Expect(bravo).ToHaveAttributeAsync("data-acknowledged", "true", new() { Timeout = 15_000 });
        await Assertions.Expect(bravo).ToContainTextAsync("Acknowledged by Nadia Brook");
        await ScreenshotAsync(coordinatorPage, "story");
        await ScreenshotAsync(editorPage, "plan");
        var stored = await Server.ClientFor("ines@alpha").GetWaveAsync(plan.Wave.Id);
        Assert.True(stored.Acknowledgements.Single(a => a.OutletId == "bravo").Acknowledged);

        // Read afresh, the banner stays gone.
        await editorPage.ReloadAsync();
        await Assertions.Expect(editorPage.GetByTestId("plan-story").First).ToBeVisibleAsync(Soon);
        await Assertions.Expect(editorPage.GetByTestId("embargo-moved-banner")).ToHaveCountAsync(0);
        await editorPage.Context.CloseAsync();
        await coordinatorPage.Context.CloseAsync();
    }

    [Fact]
    public async Task An_outlet_not_taking_part_sees_neither_the_story_in_the_plan_nor_its_page()
    {
        var plan = await GivenPlanAsync();
        var outsider = await fixture.SignedInPageAsync("carl.mendez@charlie", "Charlie Post");
        await outsider.GotoAsync($"/investigations/{plan.InvestigationId}/publication");
        await Assertions.Expect(outsider.GetByRole(AriaRole.Heading, new() { Name = "Publication plan of Nightjar" })).ToBeVisibleAsync(Soon);
        await Assertions.Expect(outsider.GetByText("No wave is planned yet, or none of its stories includes your outlet.")).ToBeVisibleAsync(Soon);
        await Assertions.Expect(outsider.GetByTestId("plan-story")).ToHaveCountAsync(0);
        await Assertions.Expect(outsider.GetByText("The spyware clients")).ToHaveCountAsync(0);

        // Its address answers like any object that does not exist.
        await outsider.GotoAsync($"/stories/{plan.Story.Id}");
        await Assertions.Expect(outsider.GetByRole(AriaRole.Alert)).ToContainTextAsync("No such story", new() { Timeout = 15_000 });
        await Assertions.Expect(outsider.GetByText("The spyware clients")).ToHaveCountAsync(0);

        // A move is not announced to the outsider either.
        await outsider.GotoAsync($"/investigations/{plan.InvestigationId}/publication");
        await Assertions.Expect(outsider.GetByRole(AriaRole.Heading, new() { Name = "Publication plan of Nightjar" })).ToBeVisibleAsync(Soon);
        await Server.ClientFor("ines@alpha").MoveEmbargoAsync(plan.Wave.Id, new EmbargoMove(new EmbargoInput(Local(plan.Embargo.AddHours(6)), "UTC"), "Later"));
        var participant = await fixture.SignedInPageAsync("nadia.brook@bravo", "Bravo Tribune");
        await Assertions.Expect(participant.GetByTestId("embargo-moved-banner")).ToBeVisibleAsync(Soon);
        await Assertions.Expect(outsider.GetByTestId("embargo-moved-banner")).ToHaveCountAsync(0);
        await Assertions.Expect(outsider.GetByTestId("plan-story")).ToHaveCountAsync(0);
        await outsider.Context.CloseAsync();
        await participant.Context.CloseAsync();
    }
}
