using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Consortium.Browser.Tests;

/// <summary>
/// The verification board and the inbox, in two browser contexts of two outlets: what one does reaches the other's
/// page live over the hub, and what is kept to one outlet never reaches the other.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class VerificationBoardAndInboxTests(BrowserFixture fixture) : IAsyncLifetime
{
    private static readonly LocatorAssertionsToBeVisibleOptions Soon = new() { Timeout = 15_000 };
    private ConsortiumServer Server => fixture.Server;

    public Task InitializeAsync() => Server.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private sealed record Shared(Guid InvestigationId, IReadOnlyList<RecordView> Records);

    /// <summary>Alpha coordinates; Bravo reports; the lab's analyst does the forensics.</summary>
    private async Task<Shared> GivenInvestigationAsync()
    {
        var alpha = Server.ClientFor("ines@alpha");
        var investigation = await alpha.CreateInvestigationAsync(new NewInvestigation("Nightjar", "Shared leak", ["bravo", "lab"]));
        var reporter = await Server.Accounts.AccountAsync("tom.ellery@bravo");
        await alpha.AddMemberAsync(investigation.Id, new NewMember(reporter.Email, InvestigationRole.Reporter));
        var analyst = await Server.Accounts.AccountAsync("vera.kovac@lab");
        await alpha.AddMemberAsync(investigation.Id, new NewMember(analyst.Email, InvestigationRole.Analyst));
        var dataset = await alpha.CreateDatasetAsync(investigation.Id, new NewDataset("Selected numbers", ""));
        await alpha.ImportCsvAsync(dataset.Id, new MemoryStream(Encoding.UTF8.GetBytes("phone,country\n07700 900123,GB\n07700 900124,GB\n")));
        return new(investigation.Id, (await alpha.ListRecordsAsync(dataset.Id)).Items);
    }

    private static ILocator Card(IPage page, AnnotationView annotation) =>
        page.Locator($"[data-testid=verification-card][data-annotation-id='{annotation.Id}']");

    private static ILocator CardInColumn(IPage page, AnnotationView annotation, string state) =>
        page.Locator($"[data-testid=board-column][data-state='{state}'] [data-testid=verification-card][data-annotation-id='{annotation.Id}']");

    private static async Task<IPage> OnBoardAsync(IPage page, Guid investigationId)
    {
        await page.GotoAsync($"/investigations/{investigationId}/board");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Verification board of Nightjar" })).ToBeVisibleAsync(Soon);
        await Assertions.Expect(page.GetByTestId("verification-board")).ToBeVisibleAsync(Soon);
        return page;
    }

    [Fact]
    public async Task Analyst_moves_a_card_and_the_other_outlets_board_shows_it_moved_live_while_a_reporter_is_refused()
    {
        var shared = await GivenInvestigationAsync();
        var alpha = Server.ClientFor("ines@alpha");
        var verification = await alpha.AddAnnotationAsync(shared.Records[0].Id, new NewAnnotation(AnnotationKinds.Verification, Visibility: Visibility.Consortium));
        foreach (var state in new[] { VerificationStates.Identified, VerificationStates.ConsentObtained, VerificationStates.ForensicsSubmitted })
        {
            verification = await alpha.MoveVerificationAsync(verification.Id, verification.Version, new VerificationChange(state));
        }
        var analystPage = await OnBoardAsync(await fixture.SignedInPageAsync("vera.kovac@lab", "Delta Forensics"), shared.InvestigationId);
        var reporterPage = await OnBoardAsync(await fixture.SignedInPageAsync("tom.ellery@bravo", "Bravo Tribune"), shared.InvestigationId);
        await Assertions.Expect(CardInColumn(reporterPage, verification, VerificationStates.ForensicsSubmitted)).ToBeVisibleAsync(Soon);
        await Assertions.Expect(CardInColumn(analystPage, verification, VerificationStates.ForensicsSubmitted)).ToBeVisibleAsync(Soon);

        await Card(analystPage, verification).GetByRole(AriaRole.Button, new() { Name = "Move to Infected" }).ClickAsync();

        // The reporter's page was not reloaded: only the push can move the card there.
        await Assertions.Expect(CardInColumn(reporterPage, verification, VerificationStates.Infected)).ToBeVisibleAsync(Soon);
        await Assertions.Expect(CardInColumn(reporterPage, verification, VerificationStates.ForensicsSubmitted)).ToHaveCountAsync(0);
        // Announced to screen readers too, in the board's status region.
        await Assertions.Expect(reporterPage.GetByTestId("status-message")).ToContainTextAsync("moved to Infected");
        await Assertions.Expect(CardInColumn(analystPage, verification, VerificationStates.Infected)).ToBeVisibleAsync(Soon);
        var stored = await alpha.GetAnnotationAsync(verification.Id);
        Assert.Equal(VerificationStates.Infected, stored.Verification!.State);
        Assert.Equal((await Server.Accounts.AccountAsync("vera.kovac@lab")).Id, stored.Verification.AnalystUserId);

        // A reporter may not record a peer review: the server's 403 is shown and the card stays where it is.
        await Card(reporterPage, verification).GetByRole(AriaRole.Button, new() { Name = "Move to Peer-reviewed" }).ClickAsync();
        var problem = reporterPage.GetByTestId("board-problem");
        await Assertions.Expect(problem).ToBeVisibleAsync(Soon);
        await Assertions.Expect(problem).ToHaveAttributeAsync("data-status", "403");
        await Assertions.Expect(problem).ToContainTextAsync("analysts");
        await Assertions.Expect(CardInColumn(reporterPage, verification, VerificationStates.Infected)).ToBeVisibleAsync();
        Assert.Equal(VerificationStates.Infected, (await alpha.GetAnnotationAsync(verification.Id)).Verification!.State);

        await analystPage.Context.CloseAsync();
        await reporterPage.Context.CloseAsync();
    }

    [Fact]
    public async Task A_move_from_a_stale_card_shows_the_conflict_and_the_card_where_it_is_now()
    {
        var shared = await GivenInvestigationAsync();
        var alpha = Server.ClientFor("ines@alpha");
        var verification = await alpha.AddAnnotationAsync(shared.Records[0].Id, new NewAnnotation(AnnotationKinds.Verification, Visibility: Visibility.Consortium));
        var page = await fixture.SignedInPageAsync("tom.ellery@bravo", "Bravo Tribune");
        // No hub for this page: the board shows what the changes feed said when it loaded, and nothing moves it after.
        // The hub connects straight over a WebSocket (no negotiate request), which RouteAsync does not see.
        await page.RouteAsync("**/hubs/**", route => route.AbortAsync());
        await page.RouteWebSocketAsync(new System.Text.RegularExpressions.Regex("/hubs/"), ws => ws.CloseAsync());
        await OnBoardAsync(page, shared.InvestigationId);
        await Assertions.Expect(CardInColumn(page, verification, VerificationStates.Unverified)).ToBeVisibleAsync(Soon);
        await alpha.MoveVerificationAsync(verification.Id, verification.Version, new VerificationChange(VerificationStates.Identified));
        await Assertions.Expect(CardInColumn(page, verification, VerificationStates.Unverified)).ToBeVisibleAsync();

        await Card(page, verification).GetByRole(AriaRole.Button, new() { Name = "Move to Identified" }).ClickAsync();

        var problem = page.GetByTestId("board-problem");
        await Assertions.Expect(problem).ToBeVisibleAsync(Soon);
        await Assertions.Expect(problem).ToHaveAttributeAsync("data-status", "409");
        await Assertions.Expect(problem).ToContainTextAsync("changed meanwhile");
        await Assertions.Expect(CardInColumn(page, verification, VerificationStates.Identified)).ToBeVisibleAsync(Soon);
        Assert.Equal(VerificationStates.Identified, (await alpha.GetAnnotationAsync(verification.Id)).Verification!.State);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task An_outlet_only_verification_of_alpha_never_appears_on_bravos_board()
    {
        var shared = await GivenInvestigationAsync();
        var alphaPage = await OnBoardAsync(await fixture.SignedInPageAsync("ines@alpha", "Alpha Gazette"), shared.InvestigationId);
        var bravoPage = await OnBoardAsync(await fixture.SignedInPageAsync("tom.ellery@bravo", "Bravo Tribune"), shared.InvestigationId);
        var alpha = Server.ClientFor("ines@alpha");

        var outletOnly = await alpha.AddAnnotationAsync(shared.Records[0].Id, new NewAnnotation(AnnotationKinds.Verification, Visibility: Visibility.Outlet));
        var everyone = await alpha.AddAnnotationAsync(shared.Records[1].Id, new NewAnnotation(AnnotationKinds.Verification, Visibility: Visibility.Consortium));
        outletOnly = await alpha.MoveVerificationAsync(outletOnly.Id, outletOnly.Version, new VerificationChange(VerificationStates.Identified));

        // Alpha's board shows both as they are made; Bravo's the consortium-wide one, added after the outlet-only one.
        await Assertions.Expect(CardInColumn(alphaPage, outletOnly, VerificationStates.Identified)).ToBeVisibleAsync(Soon);
        await Assertions.Expect(CardInColumn(alphaPage, everyone, VerificationStates.Unverified)).ToBeVisibleAsync(Soon);
        await Assertions.Expect(CardInColumn(bravoPage, everyone, VerificationStates.Unverified)).ToBeVisibleAsync(Soon);
        await Assertions.Expect(Card(bravoPage, outletOnly)).ToHaveCountAsync(0);
        await Assertions.Expect(bravoPage.GetByTestId("verification-card")).ToHaveCountAsync(1);

        // Read afresh from the changes feed, it is not there either.
        await bravoPage.ReloadAsync();
        await Assertions.Expect(CardInColumn(bravoPage, everyone, VerificationStates.Unverified)).ToBeVisibleAsync(Soon);
        await Assertions.Expect(Card(bravoPage, outletOnly)).ToHaveCountAsync(0);
        await Assertions.Expect(bravoPage.GetByTestId("verification-card")).ToHaveCountAsync(1);

        await alphaPage.Context.CloseAsync();
        await bravoPage.Context.CloseAsync();
    }

    [Fact]
    public async Task A_mention_in_a_comment_reaches_the_mentioned_reporters_inbox_live_with_the_unread_count()
    {
        var shared = await GivenInvestigationAsync();
        var tom = await Server.Accounts.AccountAsync("tom.ellery@bravo");
        var page = await fixture.SignedInPageAsync("tom.ellery@bravo", "Bravo Tribune");
        await page.GetByTestId("nav-inbox").ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Inbox", Level = 1 })).ToBeVisibleAsync(Soon);
        await Assertions.Expect(page.GetByTestId("inbox-unread")).ToHaveTextAsync("Nothing unread.");
        await Assertions.Expect(page.GetByTestId("inbox-unread-count")).ToHaveCountAsync(0);

        var alpha = Server.ClientFor("ines@alpha");
        var note = await alpha.AddAnnotationAsync(shared.Records[0].Id, new NewAnnotation(AnnotationKinds.Note, "Seen in the March logs.", Visibility.Consortium));
        await alpha.AddAnnotationAsync(shared.Records[0].Id, new NewAnnotation(AnnotationKinds.Comment, $"@{tom.Id} can you reach this person?", ParentId: note.Id));

        var entry = page.GetByTestId("inbox-entry").Filter(new() { HasText = "mentioned you in a comment" });
        await Assertions.Expect(entry).ToBeVisibleAsync(Soon);
        await Assertions.Expect(entry).ToHaveAttributeAsync("data-reason", "mention");
        await Assertions.Expect(entry).ToHaveAttributeAsync("data-read", "false");
        // The comment's text stays behind its own visibility: the inbox names who and where, not what.
        await Assertions.Expect(entry).Not.ToContainTextAsync("can you reach this person");
        await Assertions.Expect(page.GetByTestId("inbox-unread-count")).ToHaveTextAsync("1");
        await Assertions.Expect(page.GetByTestId("nav-inbox")).ToHaveAccessibleNameAsync(new Regex("Inbox.*1 unread"));

        await entry.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Mark read") }).ClickAsync();
        await Assertions.Expect(entry).ToHaveAttributeAsync("data-read", "true");
        await Assertions.Expect(page.GetByTestId("inbox-unread-count")).ToHaveCountAsync(0);

        // Read is stored, not only shown.
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByTestId("inbox-entry")).ToHaveCountAsync(1, new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByTestId("inbox-entry").First).ToHaveAttributeAsync("data-read", "true");
        await Assertions.Expect(page.GetByTestId("inbox-unread-count")).ToHaveCountAsync(0);
        var tomsInbox = await Server.ClientFor("tom.ellery@bravo").ListInboxAsync();
        Assert.True(Assert.Single(tomsInbox).Read);

        // The daily digest: switched on, its hour saved, both kept across a reload.
        var digest = page.GetByLabel("Prepare a daily digest of my inbox");
        await digest.CheckAsync();
        await Assertions.Expect(page.GetByText("Daily digest on, ready at 07:00 UTC.")).ToBeVisibleAsync(Soon);
        await page.GetByLabel("Ready at").SelectOptionAsync("18");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the hour" }).ClickAsync();
        await Assertions.Expect(page.GetByText("The digest will be ready at 18:00 UTC.")).ToBeVisibleAsync(Soon);
        await page.ReloadAsync();
        await Assertions.Expect(digest).ToBeCheckedAsync(new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByLabel("Ready at")).ToHaveValueAsync("18");

        await entry.GetByRole(AriaRole.Link, new() { Name = "Open the record" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/records/{shared.Records[0].Id}$"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Following_a_record_from_its_page_brings_its_verification_changes_to_the_inbox_live()
    {
        var shared = await GivenInvestigationAsync();
        var alpha = Server.ClientFor("ines@alpha");
        var verification = await alpha.AddAnnotationAsync(shared.Records[0].Id, new NewAnnotation(AnnotationKinds.Verification, Visibility: Visibility.Consortium));
        var page = await fixture.SignedInPageAsync("tom.ellery@bravo", "Bravo Tribune");
        await page.GotoAsync($"/records/{shared.Records[0].Id}");
        var follow = page.GetByRole(AriaRole.Button, new() { Name = "Follow this record" });
        await Assertions.Expect(follow).ToHaveAttributeAsync("aria-pressed", "false", new() { Timeout = 15_000 });
        await Assertions.Expect(follow).ToBeEnabledAsync();

        await follow.ClickAsync();
        await Assertions.Expect(follow).ToHaveAttributeAsync("aria-pressed", "true");

        await alpha.MoveVerificationAsync(verification.Id, verification.Version, new VerificationChange(VerificationStates.Identified));
        await Assertions.Expect(page.GetByTestId("inbox-unread-count")).ToHaveTextAsync("1", new() { Timeout = 15_000 });
        await page.GetByTestId("nav-inbox").ClickAsync();
        var entry = page.GetByTestId("inbox-entry");
        await Assertions.Expect(entry).ToHaveCountAsync(1, new() { Timeout = 15_000 });
        await Assertions.Expect(entry).ToHaveAttributeAsync("data-reason", "verification");
        await Assertions.Expect(entry).ToContainTextAsync("moved a verification to identified");

        // The follow is stored: the record page says so after a reload, and unfollowing is the same button.
        await page.GotoAsync($"/records/{shared.Records[0].Id}");
        await Assertions.Expect(follow).ToHaveAttributeAsync("aria-pressed", "true", new() { Timeout = 15_000 });
        await follow.ClickAsync();
        await Assertions.Expect(follow).ToHaveAttributeAsync("aria-pressed", "false");
        await page.ReloadAsync();
        await Assertions.Expect(follow).ToHaveAttributeAsync("aria-pressed", "false", new() { Timeout = 15_000 });
        await Assertions.Expect(follow).ToBeEnabledAsync();
        await page.Context.CloseAsync();
    }
}
