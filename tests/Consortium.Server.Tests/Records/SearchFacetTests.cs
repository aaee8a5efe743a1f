using System.Net;
using System.Net.Http.Json;
using Consortium.Server.Annotations;
using Consortium.Server.Access;
using Consortium.Server.Records;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Consortium.Server.Tests.Records;

/// <summary>
/// Filters, facets, sorts and cursors of record search on a fixed fixture: two datasets of one investigation (the second
/// in a compartment of alpha alone), records with dates, a record restricted to alpha, and annotations of every
/// visibility (seeded as documents: only the fields search reads matter here).
/// </summary>
[Collection(RecordsCollection.Name)]
public sealed class SearchFacetTests(ConsortiumServer server) : ServerTest(server)
{
    // Rows 1 to 8 of the shared dataset.
    private const string Shared =
        "phone,country,name,notes\n" +
        "+44 7700 900001,GB,José Muñoz,Met the minister\n" +   // 1: restricted to alpha
        "+44 7700 900002,GB,Zoë Clarke,Invoice for the minister\n" +
        "+33 6 12 34 56 03,FR,Jose Munoz,Called the minister\n" +
        "+1 202 555 0104,US,Zoe Adams,Paid the invoice\n" +
        "+33 6 98 76 54 05,FR,Pierre Dubois,Invoice attached\n" +
        "+34 699 888 006,ES,Ana Pérez,Nothing to see\n" +
        "+44 7700 900007,GB,Ann Lee,Minister's driver\n" +
        "+49 151 2345 0008,DE,Kai Roth,No date known\n";

    // Rows 1 to 3 of the dataset only alpha sees.
    private const string AlphaOnly =
        "phone,country,name,notes\n" +
        "+44 7700 900101,GB,Hidden Minister,Met the minister\n" +
        "+33 6 00 00 01 02,FR,Second Hidden,Nothing\n" +
        "+44 7700 900103,GB,Third Hidden,Invoice\n";

    private static readonly string?[] SharedDates = ["2021-03-01", "2021-05-10", "2021-05-10", "2022-01-15", "2020-12-31", "2021-05-10", "2023-07-04", null];

    private sealed record Fixture(InvestigationView Investigation, DatasetView Shared, DatasetView AlphaOnly, Dictionary<long, RecordView> Rows);

    private async Task<Fixture> GivenFixtureAsync()
    {
        var (investigation, shared) = await GivenInvestigationWithDatasetAsync(Shared);
        var alpha = Server.ClientFor("ines@alpha");
        var alphaOnly = await alpha.CreateDatasetAsync(investigation.Id, new NewDataset("Alpha's numbers", "", ["alpha"]));
        using (var csv = Csv(AlphaOnly))
        {
            await alpha.ImportCsvAsync(alphaOnly.Id, csv);
        }
        var rows = (await alpha.ListRecordsAsync(shared.Id)).Items.ToDictionary(r => r.RowNumber);
        var hiddenRows = (await alpha.ListRecordsAsync(alphaOnly.Id)).Items;

        var store = Server.Services.GetRequiredService<IDocumentStore>();
        await using (var session = store.LightweightSession())
        {
            foreach (var (row, date) in rows.Keys.Order().Zip(SharedDates))
            {
                var record = await session.LoadAsync<LeakedRecord>(rows[row].Id);
                session.Store(record! with { Date = date });
            }
            var tom = await Server.Accounts.AccountAsync("tom@bravo");
            var sequence = 0L;
            Annotation Note(long row, Visibility visibility, string outlet, string author = "someone", string? tag = null, string? verdict = null,
                bool retracted = false, IReadOnlyList<string>? sharedWith = null, RecordView? on = null)
            {
                var record = on ?? rows[row];
                return new Annotation(Guid.NewGuid(), record.Id, record.DatasetId, investigation.Id, "note", "", visibility, author, author, outlet,
                    DateTimeOffset.UtcNow, ++sequence, sharedWith, tag, verdict, retracted);
            }
            session.Store(
                Note(1, Visibility.Consortium, "alpha", tag: "suspect"),          // on the record bravo cannot see
                Note(2, Visibility.Consortium, "alpha", tag: "suspect"),
                Note(3, Visibility.Outlet, "alpha", tag: "suspect"),              // alpha only
                Note(4, Visibility.Partners, "lab", tag: "suspect", sharedWith: ["bravo"]), // lab and bravo
                Note(5, Visibility.Private, "bravo", author: tom.Id, tag: "source"), // tom only
                Note(6, Visibility.Consortium, "alpha", tag: "suspect", retracted: true),
                Note(2, Visibility.Consortium, "lab", verdict: "confirmed"),
                Note(2, Visibility.Outlet, "alpha", verdict: "disputed"),         // later: alpha's latest verdict on row 2
                Note(7, Visibility.Consortium, "bravo", verdict: "disputed"),
                Note(0, Visibility.Consortium, "alpha", tag: "suspect", on: hiddenRows[0]));
            // Records change only by import, which stores the dataset again; the dates set here do the same, so the
            // facet summary built as the import completed is known to be stale (RecordFacetSummary).
            session.Store((await session.LoadAsync<Dataset>(shared.Id))!);
            await session.SaveChangesAsync();
        }
        await alpha.SetRecordRestrictionAsync(rows[1].Id, new OutletRestriction(["alpha"]));
        return new Fixture(investigation, shared, alphaOnly, rows);
    }

    private static long[] Rows(SearchPage page) => page.Items.Select(r => r.Record.RowNumber).ToArray();

    private static Dictionary<string, long> Counts(IReadOnlyList<FacetCount> facet) => facet.ToDictionary(f => f.Value ?? "(none)", f => f.Count);

    [Fact]
    public async Task Annotation_facets_count_only_annotations_and_records_the_caller_may_see()
    {
        var f = await GivenFixtureAsync();

        var bravo = (await Server.ClientFor("tom@bravo").SearchAsync(f.Shared.Id, new SearchQuery())).Facets!;
        var alpha = (await Server.ClientFor("ines@alpha").SearchAsync(f.Shared.Id, new SearchQuery())).Facets!;
        var lab = (await Server.ClientFor("lena@lab").SearchAsync(f.Shared.Id, new SearchQuery())).Facets!;

        // Bravo: row 1 is restricted away, row 3's tag is alpha's outlet-only note, row 4's is shared with bravo by lab,
        // row 5's private note is tom's own, row 6's tag was retracted.
        Assert.Equal(new Dictionary<string, long> { ["suspect"] = 2, ["source"] = 1 }, Counts(bravo.Tags));
        Assert.Equal(new Dictionary<string, long> { ["suspect"] = 3 }, Counts(alpha.Tags));
        Assert.Equal(new Dictionary<string, long> { ["suspect"] = 2 }, Counts(lab.Tags));
        // Row 2's latest verdict is alpha's outlet-only "disputed" for alpha, lab's "confirmed" for everyone else.
        Assert.Equal(new Dictionary<string, long> { ["disputed"] = 1, ["confirmed"] = 1, ["(none)"] = 5 }, Counts(bravo.VerificationStates));
        Assert.Equal(new Dictionary<string, long> { ["disputed"] = 2, ["(none)"] = 6 }, Counts(alpha.VerificationStates));
        Assert.Equal(new Dictionary<string, long> { ["yes"] = 4, ["no"] = 3 }, Counts(bravo.Annotated));
        Assert.Equal(new Dictionary<string, long> { ["yes"] = 4, ["no"] = 4 }, Counts(alpha.Annotated));
        Assert.Equal(new Dictionary<string, long> { ["yes"] = 3, ["no"] = 4 }, Counts(lab.Annotated));
    }

    [Fact]
    public async Task Annotation_filters_find_the_records_the_facets_counted()
    {
        var f = await GivenFixtureAsync();
        var bravo = Server.ClientFor("tom@bravo");
        var alpha = Server.ClientFor("ines@alpha");

        var suspects = await bravo.SearchAsync(f.Shared.Id, new SearchQuery(Tag: "suspect"));
        var alphaSuspects = await alpha.SearchAsync(f.Shared.Id, new SearchQuery(Tag: "suspect"));
        var disputed = await bravo.SearchAsync(f.Shared.Id, new SearchQuery(Verification: "disputed"));
        var notAnnotated = await bravo.SearchAsync(f.Shared.Id, new SearchQuery(Annotated: false));
        var annotatedGb = await bravo.SearchAsync(f.Shared.Id, new SearchQuery(Country: "GB", Annotated: true));

        Assert.Equal([2L, 4L], Rows(suspects));
        Assert.Equal(2, suspects.Total);
        // Each facet ignores its own filter: the tag list still offers "source".
        Assert.Equal(new Dictionary<string, long> { ["suspect"] = 2, ["source"] = 1 }, Counts(suspects.Facets!.Tags));
        Assert.Equal(new Dictionary<string, long> { ["yes"] = 2 }, Counts(suspects.Facets.Annotated));
        Assert.Equal([1L, 2L, 3L], Rows(alphaSuspects));
        Assert.Equal([7L], Rows(disputed));
        Assert.Equal([3L, 6L, 8L], Rows(notAnnotated));
        Assert.Equal(new Dictionary<string, long> { ["yes"] = 4, ["no"] = 3 }, Counts(notAnnotated.Facets!.Annotated));
        Assert.Equal([2L, 7L], Rows(annotatedGb));
        Assert.Equal(new Dictionary<string, long> { ["GB"] = 2, ["US"] = 1, ["FR"] = 1 }, Counts(annotatedGb.Facets!.Countries));
    }

    [Fact]
    public async Task Investigation_wide_search_covers_the_datasets_the_caller_sees_and_counts_per_dataset()
    {
        var f = await GivenFixtureAsync();
        var bravo = Server.ClientFor("tom@bravo");
        var alpha = Server.ClientFor("ines@alpha");

        var forBravo = await bravo.SearchInvestigationAsync(f.Investigation.Id, new SearchQuery(Q: "minister"));
        var forAlpha = await alpha.SearchInvestigationAsync(f.Investigation.Id, new SearchQuery(Q: "minister"));
        var alphaInShared = await alpha.SearchInvestigationAsync(f.Investigation.Id, new SearchQuery(Q: "minister", Dataset: f.Shared.Id));
        var alphaTags = await alpha.SearchInvestigationAsync(f.Investigation.Id, new SearchQuery());

        Assert.All(forBravo.Items, r => Assert.Equal(f.Shared.Id, r.Record.DatasetId));
        Assert.Equal([2L, 3L, 7L], Rows(forBravo));
        Assert.Equal(new Dictionary<string, long> { [f.Shared.Id.ToString()] = 3 }, Counts(forBravo.Facets!.Datasets));
        Assert.Equal(5, forAlpha.Total);
        Assert.Equal(new Dictionary<string, long> { [f.Shared.Id.ToString()] = 4, [f.AlphaOnly.Id.ToString()] = 1 }, Counts(forAlpha.Facets!.Datasets));
        Assert.Equal(4, alphaInShared.Total);
        // The dataset facet ignores the dataset filter.
        Assert.Equal(2, alphaInShared.Facets!.Datasets.Count);
        Assert.Equal(new Dictionary<string, long> { ["suspect"] = 4 }, Counts(alphaTags.Facets!.Tags));
    }

    [Fact]
    public async Task Counts_without_a_text_filter_follow_a_new_import_and_leave_restricted_records_out()
    {
        var f = await GivenFixtureAsync();
        var bravo = Server.ClientFor("tom@bravo");
        var before = await bravo.SearchAsync(f.Shared.Id, new SearchQuery());
        using (var csv = Csv("phone,country,name,notes\n+44 7700 900009,GB,New Row,Added later\n+33 6 98 76 54 10,FR,Newer Row,Added later\n"))
        {
            await Server.ClientFor("ines@alpha").ImportCsvAsync(f.Shared.Id, csv);
        }

        var after = await bravo.SearchAsync(f.Shared.Id, new SearchQuery());
        var afterInGb = await bravo.SearchAsync(f.Shared.Id, new SearchQuery(Country: "GB"));

        Assert.Equal(7, before.Total);
        Assert.Equal(new Dictionary<string, long> { ["GB"] = 2, ["FR"] = 2, ["US"] = 1, ["ES"] = 1, ["DE"] = 1 }, Counts(before.Facets!.Countries));
        Assert.Equal(9, after.Total);
        Assert.Equal(new Dictionary<string, long> { ["GB"] = 3, ["FR"] = 3, ["US"] = 1, ["ES"] = 1, ["DE"] = 1 }, Counts(after.Facets!.Countries));
        Assert.Equal(3, afterInGb.Total);
        Assert.Equal([2L, 7L, 9L], Rows(afterInGb));
    }

    [Fact]
    public async Task Searches_that_find_the_summary_stale_at_once_rebuild_it_one_after_the_other_and_all_answer()
    {
        // The dataset page asks for its search and its pictures together; both find the summary stale (the fixture
        // stored the dataset again) and rebuild it. Before, the second rebuild's snapshot predated the first's commit
        // and failed to serialize (40001, a 500 for the search).
        var f = await GivenFixtureAsync();
        var bravo = Server.ClientFor("tom@bravo");
        var pages = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => bravo.SearchAsync(f.Shared.Id, new SearchQuery())));
        Assert.All(pages, page => Assert.Equal(7, page.Total));
    }

    [Fact]
    public async Task Naming_a_dataset_outside_the_compartment_is_refused_like_an_unknown_one()
    {
        var f = await GivenFixtureAsync();
        var bravo = Server.ClientFor("tom@bravo");

        var hidden = await Assert.ThrowsAsync<ConsortiumProblemException>(() => bravo.SearchInvestigationAsync(f.Investigation.Id, new SearchQuery(Dataset: f.AlphaOnly.Id)));
        var unknown = await Assert.ThrowsAsync<ConsortiumProblemException>(() => bravo.SearchInvestigationAsync(f.Investigation.Id, new SearchQuery(Dataset: Guid.NewGuid())));
        var outsider = await Assert.ThrowsAsync<ConsortiumProblemException>(() => Server.ClientFor("carl@charlie").SearchInvestigationAsync(f.Investigation.Id, new SearchQuery()));

        Assert.Equal(HttpStatusCode.BadRequest, hidden.Status);
        Assert.Equal((hidden.Title, hidden.Detail), (unknown.Title, unknown.Detail));
        Assert.Equal(HttpStatusCode.NotFound, outsider.Status);
    }

    [Fact]
    public async Task A_date_range_keeps_the_records_dated_inside_it_and_the_counts_follow()
    {
        var f = await GivenFixtureAsync();
        var bravo = Server.ClientFor("tom@bravo");

        var in2021 = await bravo.SearchAsync(f.Shared.Id, new SearchQuery(From: new DateOnly(2021, 1, 1), To: new DateOnly(2021, 12, 31)));
        var since2022 = await bravo.SearchAsync(f.Shared.Id, new SearchQuery(From: new DateOnly(2022, 1, 1)));
        var until2020 = await bravo.SearchAsync(f.Shared.Id, new SearchQuery(To: new DateOnly(2020, 12, 31)));

        Assert.Equal([2L, 3L, 6L], Rows(in2021));
        Assert.Equal(new Dictionary<string, long> { ["GB"] = 1, ["FR"] = 1, ["ES"] = 1 }, Counts(in2021.Facets!.Countries));
        Assert.Equal([4L, 7L], Rows(since2022));
        Assert.Equal([5L], Rows(until2020));
    }

    [Theory]
    [InlineData("date", false, new long[] { 8, 5, 2, 3, 6, 4, 7 })]
    [InlineData("date", true, new long[] { 7, 4, 6, 3, 2, 5, 8 })]
    [InlineData("country", false, new long[] { 8, 6, 3, 5, 2, 7, 4 })]
    [InlineData("row", true, new long[] { 8, 7, 6, 5, 4, 3, 2 })]
    public async Task Pages_follow_the_cursor_through_every_sort_without_gaps_or_repeats(string sort, bool descending, long[] expected)
    {
        var f = await GivenFixtureAsync();
        var bravo = Server.ClientFor("tom@bravo");
        var query = new SearchQuery(Sort: sort, Descending: descending);

        var seen = new List<long>();
        string? after = null;
        do
        {
            var page = await bravo.SearchAsync(f.Shared.Id, query, after, limit: 2, facets: after is null);
            Assert.True(page.Items.Count <= 2);
            seen.AddRange(Rows(page));
            after = page.Next;
        }
        while (after is not null);

        // Records without a date sort before the earliest (after the latest when descending); ties go by row.
        Assert.Equal(expected, seen);
    }

    // A text search with its counts on every page: the matches are taken from the index with their counts, and each page
    // is sorted among them after the cursor (RecordSearchQueries.MatchesAsync), in the same order as the walks above.
    [Theory]
    [InlineData("date", false, new long[] { 5, 2, 3, 4, 7 })]
    [InlineData("date", true, new long[] { 7, 4, 3, 2, 5 })]
    [InlineData("country", false, new long[] { 3, 5, 2, 7, 4 })]
    [InlineData("country", true, new long[] { 4, 7, 2, 5, 3 })]
    [InlineData("row", false, new long[] { 2, 3, 4, 5, 7 })]
    [InlineData("row", true, new long[] { 7, 5, 4, 3, 2 })]
    public async Task Pages_of_a_text_search_with_its_counts_follow_the_cursor_through_every_sort(string sort, bool descending, long[] expected)
    {
        var f = await GivenFixtureAsync();
        var bravo = Server.ClientFor("tom@bravo");
        var query = new SearchQuery(Q: "minister or invoice", Sort: sort, Descending: descending);

        var seen = new List<long>();
        string? after = null;
        do
        {
            var page = await bravo.SearchAsync(f.Shared.Id, query, after, limit: 2);
            // Every page counts the whole search (row 1 is restricted to alpha and is not among them).
            Assert.Equal(5, page.Total);
            Assert.False(page.TotalIsLowerBound);
            Assert.Equal(new Dictionary<string, long> { ["GB"] = 2, ["FR"] = 2, ["US"] = 1 }, Counts(page.Countries));
            seen.AddRange(Rows(page));
            after = page.Next;
        }
        while (after is not null);

        Assert.Equal(expected, seen);
    }

    [Fact]
    public async Task A_country_filter_narrows_the_page_of_a_text_search_while_the_country_counts_cover_every_country()
    {
        var f = await GivenFixtureAsync();
        var bravo = Server.ClientFor("tom@bravo");

        var gb = await bravo.SearchAsync(f.Shared.Id, new SearchQuery(Q: "minister or invoice", Country: "GB"));
        var gbByPhone = await bravo.SearchAsync(f.Shared.Id, new SearchQuery(Phone: "7700 900", Country: "GB"));
        var frByPhone = await bravo.SearchAsync(f.Shared.Id, new SearchQuery(Phone: "7700 900", Country: "FR"));

        Assert.Equal([2L, 7L], Rows(gb));
        Assert.Equal(2, gb.Total);
        Assert.Equal(new Dictionary<string, long> { ["GB"] = 2, ["FR"] = 2, ["US"] = 1 }, Counts(gb.Countries));
        Assert.All(gb.Items, r => Assert.NotEmpty(r.Highlights));
        // Row 1 matches the digits but is restricted to alpha: neither listed nor counted for bravo.
        Assert.Equal([2L, 7L], Rows(gbByPhone));
        Assert.Equal(new Dictionary<string, long> { ["GB"] = 2 }, Counts(gbByPhone.Countries));
        Assert.Empty(frByPhone.Items);
        Assert.Equal(0, frByPhone.Total);
    }

    [Fact]
    public async Task Investigation_wide_pages_of_a_text_search_interleave_datasets_and_count_on_every_page()
    {
        var f = await GivenFixtureAsync();
        var alpha = Server.ClientFor("ines@alpha");
        var query = new SearchQuery(Q: "minister or invoice", Sort: "country", Descending: true);

        var whole = await alpha.SearchInvestigationAsync(f.Investigation.Id, query, limit: 500, facets: false);
        var seen = new List<(Guid, long)>();
        string? after = null;
        do
        {
            var page = await alpha.SearchInvestigationAsync(f.Investigation.Id, query, after, limit: 3);
            Assert.Equal(8, page.Total);
            Assert.Equal(new Dictionary<string, long> { [f.Shared.Id.ToString()] = 6, [f.AlphaOnly.Id.ToString()] = 2 }, Counts(page.Facets!.Datasets));
            seen.AddRange(page.Items.Select(r => (r.Record.DatasetId, r.Record.RowNumber)));
            after = page.Next;
        }
        while (after is not null);

        Assert.Equal(8, whole.Items.Count);
        Assert.Equal(whole.Items.Select(r => (r.Record.DatasetId, r.Record.RowNumber)), seen);
        Assert.Equal(whole.Items.Select(r => r.Record.Country ?? "").OrderDescending(StringComparer.Ordinal), whole.Items.Select(r => r.Record.Country ?? ""));
    }

    [Fact]
    public async Task Investigation_wide_pages_interleave_datasets_by_the_sort_key_without_gaps_or_repeats()
    {
        var f = await GivenFixtureAsync();
        var alpha = Server.ClientFor("ines@alpha");
        var query = new SearchQuery(Sort: "country");

        var whole = await alpha.SearchInvestigationAsync(f.Investigation.Id, query, limit: 500);
        var seen = new List<(Guid, long)>();
        string? after = null;
        do
        {
            var page = await alpha.SearchInvestigationAsync(f.Investigation.Id, query, after, limit: 3, facets: false);
            Assert.Null(page.Facets);
            seen.AddRange(page.Items.Select(r => (r.Record.DatasetId, r.Record.RowNumber)));
            after = page.Next;
        }
        while (after is not null);

        Assert.Equal(11, whole.Total);
        Assert.Equal(whole.Items.Select(r => (r.Record.DatasetId, r.Record.RowNumber)), seen);
        Assert.Equal(whole.Items.Select(r => r.Record.Country ?? "").Order(StringComparer.Ordinal), whole.Items.Select(r => r.Record.Country ?? ""));
    }

    [Theory]
    [InlineData("sort=relevance")]
    [InlineData("order=sideways")]
    [InlineData("from=2021-13-01")]
    [InlineData("to=yesterday")]
    [InlineData("from=2022-01-01&to=2021-01-01")]
    [InlineData("annotated=maybe")]
    [InlineData("limit=0")]
    [InlineData("limit=501")]
    [InlineData("limit=ten")]
    [InlineData("after=not-a-cursor")]
    [InlineData("facets=perhaps")]
    [InlineData("country=GBR")]
    [InlineData("dataset=00000000-0000-0000-0000-000000000001")]
    public async Task Bad_parameters_are_a_problem_with_status_400(string query)
    {
        var f = await GivenFixtureAsync();
        var http = Server.AnonymousClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", await Server.Accounts.AccessTokenAsync("tom@bravo"));

        using var response = await http.GetAsync($"api/datasets/{f.Shared.Id}/search?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<Microsoft.AspNetCore.Mvc.ProblemDetails>();
        Assert.Equal(400, problem!.Status);
        Assert.False(string.IsNullOrEmpty(problem.Title));
    }

    [Fact]
    public async Task A_cursor_of_another_sort_is_refused()
    {
        var f = await GivenFixtureAsync();
        var bravo = Server.ClientFor("tom@bravo");
        var first = await bravo.SearchAsync(f.Shared.Id, new SearchQuery(Sort: "date"), limit: 2);

        var error = await Assert.ThrowsAsync<ConsortiumProblemException>(() => bravo.SearchAsync(f.Shared.Id, new SearchQuery(Sort: "country"), first.Next, limit: 2));

        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
    }

    [Fact]
    public async Task Every_page_is_audited_and_says_which_page_it_was()
    {
        var f = await GivenFixtureAsync();
        var bravo = Server.ClientFor("tom@bravo");

        var first = await bravo.SearchInvestigationAsync(f.Investigation.Id, new SearchQuery(Tag: "suspect", Sort: "date", Descending: true), limit: 1);
        await bravo.SearchInvestigationAsync(f.Investigation.Id, new SearchQuery(Tag: "suspect", Sort: "date", Descending: true), first.Next, limit: 1, facets: false);

        // A coordinator of the searcher's own outlet reads the terms; one of another outlet would not (AuditOutletWallTests).
        await GivenMemberAsync(f.Investigation.Id, "cora@bravo", InvestigationRole.Coordinator);
        var entries = (await Server.ClientFor("cora@bravo").ListAuditAsync(f.Investigation.Id, action: AuditActions.RecordsSearched)).Items;
        Assert.Equal(2, entries.Count);
        Assert.All(entries, e => Assert.Equal(("investigation", f.Investigation.Id.ToString()), (e.TargetType, e.TargetId)));
        Assert.Equal(["tag=suspect; sort=date desc; next page after row 4", "tag=suspect; sort=date desc; first page; 2 matches"], entries.Select(e => e.Detail));
    }
}
