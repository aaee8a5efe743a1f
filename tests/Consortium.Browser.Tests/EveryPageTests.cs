using System.Text;
using System.Text.RegularExpressions;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Consortium.Browser.Tests;

/// <summary>
/// Every page of the web UI, the sign-in pages and the task forms included, in Chromium: no serious or critical
/// accessibility violation (axe-core), and at a laptop's 1366×768 and a phone's 390×844 nothing overflows sideways
/// and no two controls overlap. With CONSORTIUM_SCREENSHOTS set to a folder, each page is also photographed at both
/// sizes, to look at by eye what a rule cannot see.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class EveryPageTests(BrowserFixture fixture) : IAsyncLifetime
{
    private static readonly LocatorAssertionsToBeVisibleOptions Soon = new() { Timeout = 15_000 };
    private static readonly (string Name, int Width, int Height)[] Sizes = [("laptop", 1366, 768), ("phone", 390, 844)];
    private ConsortiumServer Server => fixture.Server;

    public Task InitializeAsync() => Server.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Every_page_passes_the_accessibility_check_and_fits_a_laptop_and_a_phone()
    {
        var account = await Server.Accounts.AccountAsync("ines@alpha", outletAdmin: true);
        var alpha = Server.ClientFor("ines@alpha");
        var investigation = await alpha.CreateInvestigationAsync(new NewInvestigation("Nightjar", "The selected numbers of a spyware's clients", ["bravo", "lab"]));
        var dataset = await alpha.CreateDatasetAsync(investigation.Id, new NewDataset("Selected numbers", "One row per selection"));
        await alpha.ImportCsvAsync(dataset.Id, new MemoryStream(Encoding.UTF8.GetBytes(
            "phone,country,date,selected_by\n+61 8 7010 2703,AU,2019-03-02,Client 7\n07700 900123,GB,2019-04-11,Client 2\n(202) 555-0101,US,2020-01-05,Client 7\n")));
        var record = (await alpha.ListRecordsAsync(dataset.Id)).Items[0];
        await alpha.AddAnnotationAsync(record.Id, new NewAnnotation(AnnotationKinds.Note, "Number of a **minister**: check with the lab."));
        await alpha.AddAnnotationAsync(record.Id, new NewAnnotation(AnnotationKinds.Verification, Visibility: Visibility.Consortium));
        var embargo = DateTimeOffset.UtcNow.AddDays(5);
        var wave = await alpha.CreateWaveAsync(investigation.Id, new NewWave("First wave", new EmbargoInput(embargo.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture), "UTC")));
        var story = await alpha.CreateStoryAsync(investigation.Id, new NewStory(wave.Id, "The spyware clients", "Who selected whom", "alpha", ["bravo"]));

        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = Server.BaseAddress.ToString() });
        var page = await context.NewPageAsync();
        var problems = new List<string>();

        // The server's own sign-in pages.
        await page.GotoAsync("/");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/account/login"));
        await CheckAsync(page, "sign-in", problems);
        await page.GetByLabel("Email").FillAsync(account.Email);
        await page.GetByLabel("Password").FillAsync(TestAccounts.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Code from your authenticator app, or a recovery code")).ToBeVisibleAsync(Soon);
        await CheckAsync(page, "sign-in-code", problems);
        await page.GetByLabel("Code from your authenticator app, or a recovery code").FillAsync(TestAccounts.TotpCode(account));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByText(account.DisplayName).First).ToBeVisibleAsync(Soon);

        var pages = new (string Name, string Path, Func<IPage, Task>? Ready)[]
        {
            ("investigations", "/", p => p.GetByTestId("new-investigation").Locator("summary").ClickAsync()),
            ("investigation", $"/investigations/{investigation.Id}", p => p.GetByTestId("new-dataset").Locator("summary").ClickAsync()),
            ("dataset", $"/datasets/{dataset.Id}", p => Assertions.Expect(p.GetByTestId("record-row")).ToHaveCountAsync(3, new() { Timeout = 15_000 })),
            ("investigation-search", $"/investigations/{investigation.Id}/search", null),
            ("record", $"/records/{record.Id}", p => Assertions.Expect(p.GetByTestId("restriction-state")).ToBeVisibleAsync(Soon)),
            ("verification-board", $"/investigations/{investigation.Id}/board", null),
            ("members", $"/investigations/{investigation.Id}/members", null),
            ("audit", $"/investigations/{investigation.Id}/audit", null),
            ("publication-plan", $"/investigations/{investigation.Id}/publication", null),
            ("story", $"/stories/{story.Id}", null),
            ("inbox", "/inbox", null),
            ("outlet", "/outlet", null),
        };
        foreach (var (name, path, ready) in pages)
        {
            await page.SetViewportSizeAsync(Sizes[0].Width, Sizes[0].Height);
            await page.GotoAsync(path);
            await Assertions.Expect(page.Locator("h1")).ToBeVisibleAsync(Soon);
            await Assertions.Expect(page.GetByText("Loading…")).ToHaveCountAsync(0, new() { Timeout = 15_000 });
            if (ready is not null)
            {
                await ready(page);
            }
            await CheckAsync(page, name, problems);
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        await context.CloseAsync();
    }

    /// <summary>Axe once at the laptop size, then overflow and overlap at both sizes (and a picture of each, when asked).</summary>
    private static async Task CheckAsync(IPage page, string name, List<string> problems)
    {
        var axe = await page.RunAxe();
        if (axe.Passes.Length == 0)
        {
            problems.Add($"{name}: axe checked nothing");
        }
        foreach (var violation in axe.Violations.Where(v => v.Impact is "serious" or "critical"))
        {
            problems.Add($"{name}: axe {violation.Impact} {violation.Id} ({violation.Help}) at {string.Join("; ", violation.Nodes.Take(3).Select(n => n.Html))}");
        }
        foreach (var (size, width, height) in Sizes)
        {
            await page.SetViewportSizeAsync(width, height);
            var found = await page.EvaluateAsync<string[]>(LayoutProblems);
            problems.AddRange(found.Select(p => $"{name} at {size} ({width}×{height}): {p}"));
            if (Environment.GetEnvironmentVariable("CONSORTIUM_SCREENSHOTS") is { Length: > 0 } folder)
            {
                Directory.CreateDirectory(folder);
                await page.ScreenshotAsync(new() { Path = Path.Combine(folder, $"{name}-{size}.png"), FullPage = true });
            }
        }
        await page.SetViewportSizeAsync(Sizes[0].Width, Sizes[0].Height);
    }

    /// <summary>
    /// The layout rules, run in the page: the document is no wider than the viewport; no element sticks out of it
    /// sideways unless it sits in a container that scrolls or clips on purpose; no two visible controls overlap.
    /// </summary>
    private const string LayoutProblems = """
        () => {
          const problems = [];
          const doc = document.documentElement;
          const width = doc.clientWidth;
          if (doc.scrollWidth > width) problems.push(`the document is ${doc.scrollWidth}px wide in a ${width}px viewport`);
          const describe = (el) => {
            const text = (el.getAttribute('aria-label') || el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 40);
            return `<${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string' ? ' class="' + el.className + '"' : ''}> "${text}"`;
          };
          const inScroller = (el) => {
            for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
              if (/(auto|scroll|hidden|clip)/.test(getComputedStyle(p).overflowX)) return true;
            }
            return false;
          };
          const visible = (el) => {
            const r = el.getBoundingClientRect();
            if (r.width <= 1 || r.height <= 1) return false;
            const style = getComputedStyle(el);
            return style.visibility !== 'hidden' && style.display !== 'none' && el.closest('[hidden], details:not([open]) > :not(summary)') === null;
          };
          for (const el of document.body.querySelectorAll('*')) {
            if (!visible(el)) continue;
            const r = el.getBoundingClientRect();
            // Off to the side on purpose (the skip link waits above the page until focused).
            if (r.bottom <= 0 || r.right <= 0) continue;
            if ((r.left < -1 || r.right > width + 1) && !inScroller(el)) {
              problems.push(`${describe(el)} spans ${Math.round(r.left)}..${Math.round(r.right)}px`);
              if (problems.length > 15) return problems;
            }
          }
          // What can be seen of a control: its box cut to every ancestor that scrolls or clips (a control scrolled out
          // of the annotation list lies under the form below it, unseen and unclickable there).
          const seen = (el) => {
            const r = el.getBoundingClientRect();
            let left = r.left, top = r.top, right = r.right, bottom = r.bottom;
            for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
              const style = getComputedStyle(p);
              if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
              const c = p.getBoundingClientRect();
              left = Math.max(left, c.left); top = Math.max(top, c.top); right = Math.min(right, c.right); bottom = Math.min(bottom, c.bottom);
            }
            return { left, top, right, bottom };
          };
          const controls = [...document.body.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')]
            .filter(visible).map((el) => [el, seen(el)]).filter(([, r]) => r.right - r.left > 1 && r.bottom - r.top > 1);
          for (let i = 0; i < controls.length; i++) {
            for (let j = i + 1; j < controls.length; j++) {
              const [a, ra] = controls[i];
              const [b, rb] = controls[j];
              if (a.contains(b) || b.contains(a)) continue;
              const x = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
              const y = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
              if (x > 2 && y > 2) {
                problems.push(`${describe(a)} and ${describe(b)} overlap`);
                if (problems.length > 15) return problems;
              }
            }
          }
          return problems;
        }
        """;
}
