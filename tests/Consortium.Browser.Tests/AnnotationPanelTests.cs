using System.Text;
using Microsoft.Playwright;

namespace Consortium.Browser.Tests;

/// <summary>
/// The record page's annotation panel beyond notes: tags, identifications and verification moves made in one outlet's
/// page and seen live in another's (outlet-only ones never), assignment reaching the assignee's inbox, and the page
/// catching up from the changes feed after its connection was cut.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AnnotationPanelTests(BrowserFixture fixture) : IAsyncLifetime
{
    private static readonly LocatorAssertionsToBeVisibleOptions Soon = new() { Timeout = 15_000 };
    private ConsortiumServer Server => fixture.Server;

    public Task InitializeAsync() => Server.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Alpha coordinates (ines), bravo reports (tom).</summary>
    private async Task<RecordView> GivenSharedRecordAsync()
    {
        var alpha = Server.ClientFor("ines@alpha");
        var investigation = await alpha.CreateInvestigationAsync(new NewInvestigation("Nightjar", "Shared leak", ["bravo"]));
        var reporter = await Server.Accounts.AccountAsync("tom.ellery@bravo");
        await alpha.AddMemberAsync(investigation.Id, new NewMember(reporter.Email, InvestigationRole.Reporter));
        var dataset = await alpha.CreateDatasetAsync(investigation.Id, new NewDataset("Selected numbers", ""));
        await alpha.ImportCsvAsync(dataset.Id, new MemoryStream(Encoding.UTF8.GetBytes("phone,country\n07700 900123,GB\n")));
        return (await alpha.ListRecordsAsync(dataset.Id)).Items[0];
    }

    private static async Task<IPage> OnRecordAsync(IPage page, RecordView record)
    {
        await page.GotoAsync($"/records/{record.Id}");
        await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = "Annotations" })).ToBeVisibleAsync(Soon);
        await Assertions.Expect(page.GetByText("No annotations yet", new() { Exact = false }).Or(page.GetByTestId("annotation").First)).ToBeVisibleAsync(Soon);
        return page;
    }

    /// <summary>Posts through the page's form and waits until the thread shows <paramref name="shows"/> (or the form a problem).</summary>
    private static async Task AddAsync(IPage page, string kind, string visibility, Func<ILocator, Task> fill, string submit, ILocator shows)
    {
        var form = page.Locator("form.annotation-form");
        await form.GetByLabel("Add", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Value = kind });
        await fill(form);
        await form.GetByLabel("Visible to").SelectOptionAsync(new SelectOptionValue { Value = visibility });
        await form.GetByRole(AriaRole.Button, new() { Name = submit }).ClickAsync();
        var problem = form.GetByRole(AriaRole.Alert);
        await Assertions.Expect(shows.Or(problem)).ToBeVisibleAsync(Soon);
        Assert.True(await problem.CountAsync() == 0, await problem.CountAsync() == 0 ? "" : await problem.InnerTextAsync());
    }

    [Fact]
    public async Task Tag_identification_and_verification_move_made_in_alphas_page_reach_bravos_page_live_and_an_outlet_only_tag_never_does()
    {
        var record = await GivenSharedRecordAsync();
        var alpha = await OnRecordAsync(await fixture.SignedInPageAsync("ines@alpha", "Alpha Gazette"), record);
        var bravo = await OnRecordAsync(await fixture.SignedInPageAsync("tom.ellery@bravo", "Bravo Tribune"), record);
        await Assertions.Expect(alpha.GetByTestId("presence")).ToContainTextAsync("Bravo Tribune", new() { Timeout = 15_000 });
        var dialogs = 0;
        bravo.Dialog += (_, dialog) => { dialogs++; _ = dialog.DismissAsync(); };

        await AddAsync(alpha, "tag", "outlet", f => f.GetByLabel("Tag", new() { Exact = true }).FillAsync("alpha-internal-lead"), "Add tag",
            alpha.GetByTestId("annotation-tag").Filter(new() { HasText = "alpha-internal-lead" }));
        await AddAsync(alpha, "tag", "consortium", f => f.GetByLabel("Tag", new() { Exact = true }).FillAsync("pegasus-2026"), "Add tag",
            alpha.GetByTestId("annotation-tag").Filter(new() { HasText = "pegasus-2026" }));
        await AddAsync(alpha, "identification", "consortium", async f =>
        {
            await f.GetByLabel("Person").FillAsync("<img src=x onerror=alert(1)>Jane Roe");
            await f.GetByLabel("Role", new() { Exact = true }).FillAsync("Editor, Regional Daily");
            await f.GetByLabel("Confidence").SelectOptionAsync(new SelectOptionValue { Value = "high" });
            await f.GetByLabel("Sources (one per line)").FillAsync("Staff page of the daily\n<script>alert(2)</script>");
        }, "Add identification", alpha.GetByTestId("annotation-identification"));
        await AddAsync(alpha, "verification", "consortium", _ => Task.CompletedTask, "Start verification", alpha.GetByTestId("annotation-verification"));

        // Bravo's page was not reloaded: the tag, the identification and the verification arrive by push.
        await Assertions.Expect(bravo.GetByTestId("annotation-tag").Filter(new() { HasText = "pegasus-2026" })).ToBeVisibleAsync(Soon);
        var identification = bravo.GetByTestId("annotation-identification");
        await Assertions.Expect(identification).ToContainTextAsync("<img src=x onerror=alert(1)>Jane Roe", new() { Timeout = 15_000 });
        await Assertions.Expect(identification).ToContainTextAsync("Editor, Regional Daily");
        await Assertions.Expect(identification).ToContainTextAsync("Identified by Alpha Gazette");
        await Assertions.Expect(identification).ToContainTextAsync("Confidence: high");
        await Assertions.Expect(identification).ToContainTextAsync("<script>alert(2)</script>");
        Assert.Equal(0, await identification.Locator("img, script").CountAsync());
        var verification = bravo.GetByTestId("annotation-verification");
        await Assertions.Expect(verification).ToHaveAttributeAsync("data-state", "unverified", new() { Timeout = 15_000 });

        // Alpha's coordinator moves it one step in the page; bravo sees the new state live.
        var alphaVerification = alpha.GetByTestId("annotation").Filter(new() { Has = alpha.GetByTestId("annotation-verification") });
        await alphaVerification.GetByLabel("Next state").SelectOptionAsync(new SelectOptionValue { Value = "identified" });
        await alphaVerification.GetByRole(AriaRole.Button, new() { Name = "Move", Exact = true }).ClickAsync();
        await Assertions.Expect(verification).ToHaveAttributeAsync("data-state", "identified", new() { Timeout = 15_000 });

        // Tom reports: he may record consent, and the page offers him nothing further.
        var bravoVerification = bravo.GetByTestId("annotation").Filter(new() { Has = bravo.GetByTestId("annotation-verification") });
        await Assertions.Expect(bravoVerification.GetByLabel("Next state").Locator("option")).ToHaveTextAsync(["consent-obtained"]);
        await bravoVerification.GetByRole(AriaRole.Button, new() { Name = "Move", Exact = true }).ClickAsync();
        await Assertions.Expect(verification).ToHaveAttributeAsync("data-state", "consent-obtained", new() { Timeout = 15_000 });
        await Assertions.Expect(bravoVerification).ToContainTextAsync("Further steps are for analysts and coordinators.");
        await Assertions.Expect(alpha.GetByTestId("annotation-verification")).ToHaveAttributeAsync("data-state", "consent-obtained", new() { Timeout = 15_000 });

        // The coordinator records the forensic submission with its tool, indicator set, an evidence file uploaded from
        // the page (which fills in its name, hash and size) and a second piece cited by metadata only.
        var report = Encoding.UTF8.GetBytes("{\"indicator\": \"pegasus-domain\", \"matches\": 3}");
        var reportSha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(report));
        await alphaVerification.GetByLabel("Next state").SelectOptionAsync(new SelectOptionValue { Value = "forensics-submitted" });
        await alphaVerification.GetByLabel("Tool").FillAsync("MVT 2.5");
        await alphaVerification.GetByLabel("Indicator-set version").FillAsync("2026-11-01");
        await alphaVerification.GetByRole(AriaRole.Button, new() { Name = "Add evidence" }).ClickAsync();
        await alphaVerification.GetByLabel("Upload the file").SetInputFilesAsync(new FilePayload { Name = "mvt-report.json", MimeType = "application/json", Buffer = report });
        await Assertions.Expect(alphaVerification.GetByLabel("SHA-256")).ToHaveValueAsync(reportSha, new() { Timeout = 15_000 });
        await Assertions.Expect(alphaVerification.GetByLabel("Evidence file name")).ToHaveValueAsync("mvt-report.json");
        await alphaVerification.GetByRole(AriaRole.Button, new() { Name = "Add evidence" }).ClickAsync();
        await alphaVerification.GetByLabel("Evidence file name").Nth(1).FillAsync("<b>backup</b>.tar");
        await alphaVerification.GetByLabel("SHA-256").Nth(1).FillAsync(new string('a', 64));
        await alphaVerification.GetByLabel("Size (bytes)").Nth(1).FillAsync("1024");
        await alphaVerification.GetByRole(AriaRole.Button, new() { Name = "Move", Exact = true }).ClickAsync();
        await Assertions.Expect(verification).ToHaveAttributeAsync("data-state", "forensics-submitted", new() { Timeout = 15_000 });
        await Assertions.Expect(verification).ToContainTextAsync("Tool: MVT 2.5");
        await Assertions.Expect(verification).ToContainTextAsync("Indicator set: 2026-11-01");
        await Assertions.Expect(verification).ToContainTextAsync("<b>backup</b>.tar (1,024 bytes, SHA-256 " + new string('a', 64) + ")");
        await Assertions.Expect(verification).ToContainTextAsync("Analyst: Ines");
        Assert.Equal(0, await verification.Locator("b").CountAsync());
        // Bravo downloads the stored report from its page, byte for byte; the metadata-only piece offers no download.
        var downloadLink = verification.GetByRole(AriaRole.Link, new() { Name = "Download" });
        await Assertions.Expect(downloadLink).ToHaveCountAsync(1);
        var download = await bravo.RunAndWaitForDownloadAsync(() => downloadLink.ClickAsync());
        Assert.Equal("mvt-report.json", download.SuggestedFilename);
        Assert.Equal(report, await File.ReadAllBytesAsync((await download.PathAsync())!));

        // The outlet-only tag was posted first: had it been pushed to bravo it would be there by now; a reload agrees.
        Assert.Equal(0, await bravo.GetByText("alpha-internal-lead").CountAsync());
        await OnRecordAsync(bravo, record);
        await Assertions.Expect(bravo.GetByTestId("annotation-tag").Filter(new() { HasText = "pegasus-2026" })).ToBeVisibleAsync(Soon);
        Assert.Equal(0, await bravo.GetByText("alpha-internal-lead").CountAsync());
        Assert.Equal(0, dialogs);

        var stored = await Server.ClientFor("ines@alpha").ListAnnotationsAsync(record.Id);
        var person = Assert.Single(stored, a => a.Kind == AnnotationKinds.Identification).Identification!;
        Assert.Equal(("<img src=x onerror=alert(1)>Jane Roe", "high", "alpha"), (person.Person, person.Confidence, person.IdentifiedByOutletId));
        Assert.Equal(["Staff page of the daily", "<script>alert(2)</script>"], person.Sources);
        var verified = Assert.Single(stored, a => a.Kind == AnnotationKinds.Verification).Verification!;
        Assert.Equal((VerificationStates.ForensicsSubmitted, "MVT 2.5", "2026-11-01"), (verified.State, verified.Tool, verified.IndicatorSetVersion));
        Assert.Equal([("mvt-report.json", (long)report.Length, true), ("<b>backup</b>.tar", 1024L, false)],
            verified.Evidence!.Select(e => (e.Name, e.Size, e.Stored)));
        await alpha.Context.CloseAsync();
        await bravo.Context.CloseAsync();
    }

    [Fact]
    public async Task A_thread_assigned_in_the_record_page_reaches_the_assignees_inbox_live()
    {
        var record = await GivenSharedRecordAsync();
        var note = await Server.ClientFor("ines@alpha").AddNoteAsync(record.Id, new NewNote("Who owns this number?"));
        var tom = await fixture.SignedInPageAsync("tom.ellery@bravo", "Bravo Tribune");
        await tom.GetByTestId("nav-inbox").ClickAsync();
        await Assertions.Expect(tom.GetByRole(AriaRole.Heading, new() { Name = "Inbox", Level = 1 })).ToBeVisibleAsync(Soon);
        var alpha = await OnRecordAsync(await fixture.SignedInPageAsync("ines@alpha", "Alpha Gazette"), record);

        var thread = alpha.GetByTestId("annotation").Filter(new() { HasText = "Who owns this number?" });
        await thread.GetByLabel("Assign to").SelectOptionAsync(new SelectOptionValue { Label = "Tom Ellery (Bravo Tribune)" });
        await thread.GetByRole(AriaRole.Button, new() { Name = "Assign", Exact = true }).ClickAsync();
        await Assertions.Expect(thread.GetByTestId("assignee")).ToHaveTextAsync("Assigned to Tom Ellery", new() { Timeout = 15_000 });

        var entry = tom.GetByTestId("inbox-entry").Filter(new() { HasText = "assigned a note to you" });
        await Assertions.Expect(entry).ToBeVisibleAsync(Soon);
        var tomId = (await Server.Accounts.AccountAsync("tom.ellery@bravo")).Id;
        Assert.Equal(tomId, (await Server.ClientFor("ines@alpha").GetAnnotationAsync(note.Id)).AssigneeUserId);

        // Unassigning from the page clears it.
        await thread.GetByLabel("Assign to").SelectOptionAsync(new SelectOptionValue { Value = "" });
        await thread.GetByRole(AriaRole.Button, new() { Name = "Assign", Exact = true }).ClickAsync();
        await Assertions.Expect(thread.GetByTestId("assignee")).ToHaveCountAsync(0, new() { Timeout = 15_000 });
        Assert.Null((await Server.ClientFor("ines@alpha").GetAnnotationAsync(note.Id)).AssigneeUserId);
        await alpha.Context.CloseAsync();
        await tom.Context.CloseAsync();
    }

    [Fact]
    public async Task After_its_connection_is_cut_the_record_page_catches_up_from_the_changes_feed_with_nothing_missing_or_twice()
    {
        var record = await GivenSharedRecordAsync();
        var ines = Server.ClientFor("ines@alpha");
        var early = await ines.AddNoteAsync(record.Id, new NewNote("Early note"));
        var tom = await fixture.SignedInPageAsync("tom.ellery@bravo", "Bravo Tribune");
        // The hub's traffic goes through here, so the test can cut it and keep it cut (negotiation included).
        var cut = false;
        IWebSocketRoute? socket = null;
        await tom.RouteWebSocketAsync(new System.Text.RegularExpressions.Regex("/hubs/consortium"), ws =>
        {
            if (cut)
            {
                _ = ws.CloseAsync();
                return;
            }
            socket = ws;
            ws.ConnectToServer();
        });
        await tom.RouteAsync("**/hubs/consortium/negotiate**", route => cut ? route.AbortAsync() : route.ContinueAsync());
        var feedReads = new List<string>();
        var listReads = 0;
        tom.Request += (_, request) =>
        {
            if (request.Url.Contains("/changes?", StringComparison.Ordinal)) feedReads.Add(request.Url);
            if (request.Url.EndsWith($"/records/{record.Id}/annotations", StringComparison.Ordinal)) listReads++;
        };
        await OnRecordAsync(tom, record);
        await Assertions.Expect(tom.GetByTestId("annotation").Filter(new() { HasText = "Early note" })).ToBeVisibleAsync(Soon);
        await Assertions.Expect(tom.GetByTestId("connection-banner")).ToHaveCountAsync(0, new() { Timeout = 15_000 });
        Assert.NotNull(socket);

        cut = true;
        await socket!.CloseAsync();
        await Assertions.Expect(tom.GetByTestId("connection-banner")).ToHaveAttributeAsync("data-state", "offline", new() { Timeout = 15_000 });
        // Meanwhile: a burst of notes and an edit; no push can reach the page.
        for (var i = 1; i <= 5; i++)
        {
            await ines.AddNoteAsync(record.Id, new NewNote($"Missed note {i}"));
        }
        await ines.EditAnnotationAsync(early.Id, early.Version, new AnnotationChange(Text: "Early note, corrected"));
        await ines.AddNoteAsync(record.Id, new NewNote("alpha eyes only", Visibility.Outlet));

        cut = false;
        for (var i = 1; i <= 5; i++)
        {
            await Assertions.Expect(tom.GetByTestId("annotation").Filter(new() { HasText = $"Missed note {i}" })).ToHaveCountAsync(1, new() { Timeout = 40_000 });
        }
        await Assertions.Expect(tom.GetByTestId("annotation").Filter(new() { HasText = "Early note, corrected" })).ToHaveCountAsync(1, new() { Timeout = 15_000 });
        await Assertions.Expect(tom.GetByTestId("connection-banner")).ToHaveCountAsync(0, new() { Timeout = 15_000 });
        await Assertions.Expect(tom.GetByTestId("annotation")).ToHaveCountAsync(6);
        Assert.Equal(0, await tom.GetByText("alpha eyes only").CountAsync());
        // Caught up from the feed, narrowed to the record, not by fetching the list again.
        Assert.Contains(feedReads, url => url.Contains($"record={record.Id}", StringComparison.Ordinal) && url.Contains("after=", StringComparison.Ordinal));
        Assert.Equal(1, listReads);
        await tom.Context.CloseAsync();
    }

    [Fact]
    public async Task A_stale_edit_shows_the_annotation_as_it_is_now_keeps_the_input_and_saves_when_sent_again()
    {
        var record = await GivenSharedRecordAsync();
        var tomApi = Server.ClientFor("tom.ellery@bravo");
        var tag = await tomApi.AddAnnotationAsync(record.Id, new NewAnnotation(AnnotationKinds.Tag, Tag: "first-tag"));
        var tom = await fixture.SignedInPageAsync("tom.ellery@bravo", "Bravo Tribune");
        // Pushes are cut below, so the page's copy stays at version 1 while the server moves on.
        var cut = false;
        IWebSocketRoute? socket = null;
        await tom.RouteWebSocketAsync(new System.Text.RegularExpressions.Regex("/hubs/consortium"), ws =>
        {
            if (cut)
            {
                _ = ws.CloseAsync();
                return;
            }
            socket = ws;
            ws.ConnectToServer();
        });
        await tom.RouteAsync("**/hubs/consortium/negotiate**", route => cut ? route.AbortAsync() : route.ContinueAsync());
        await OnRecordAsync(tom, record);
        var item = tom.GetByTestId("annotation").Filter(new() { Has = tom.GetByTestId("annotation-tag") });
        await Assertions.Expect(item.GetByTestId("annotation-tag")).ToHaveTextAsync("Tag: first-tag", new() { Timeout = 15_000 });
        await Assertions.Expect(tom.GetByTestId("connection-banner")).ToHaveCountAsync(0, new() { Timeout = 15_000 });
        cut = true;
        await socket!.CloseAsync();
        await Assertions.Expect(tom.GetByTestId("connection-banner")).ToHaveAttributeAsync("data-state", "offline", new() { Timeout = 15_000 });

        await item.GetByRole(AriaRole.Button, new() { Name = "Edit", Exact = true }).ClickAsync();
        await item.GetByLabel("Tag", new() { Exact = true }).FillAsync("page-tag");
        await tomApi.EditAnnotationAsync(tag.Id, tag.Version, new AnnotationChange(Tag: "api-tag"));
        await item.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();

        // 409: the page shows the current state and says so; the input is kept for a retry.
        await Assertions.Expect(item.GetByRole(AriaRole.Alert)).ToContainTextAsync("changed this annotation meanwhile (now version 2)", new() { Timeout = 15_000 });
        await Assertions.Expect(item.GetByTestId("annotation-tag")).ToHaveTextAsync("Tag: api-tag");
        await Assertions.Expect(item.GetByLabel("Tag", new() { Exact = true })).ToHaveValueAsync("page-tag");
        Assert.Equal("api-tag", (await tomApi.GetAnnotationAsync(tag.Id)).Tag);

        await item.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(item.GetByTestId("annotation-tag")).ToHaveTextAsync("Tag: page-tag", new() { Timeout = 15_000 });
        await Assertions.Expect(item.GetByRole(AriaRole.Alert)).ToHaveCountAsync(0);
        var stored = await tomApi.GetAnnotationAsync(tag.Id);
        Assert.Equal(("page-tag", 3L), (stored.Tag, stored.Version));
        await tom.Context.CloseAsync();
    }
}
