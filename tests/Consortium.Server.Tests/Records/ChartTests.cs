using System.Net;
using Consortium.Server.Access;
using Consortium.Server.Annotations;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Consortium.Server.Tests.Records;

/// <summary>
/// The pictures of a search (decision 0032): counts by country, month and verification state for the same filters,
/// scope and visibility as the search's facets. Fixture: a shared dataset with a date column, a dataset without one,
/// a dataset only alpha sees, a record restricted to alpha, and verifications of every visibility (seeded as
/// documents: only the fields search reads matter).
/// </summary>
[Collection(RecordsCollection.Name)]
public sealed class ChartTests(ConsortiumServer server) : ServerTest(server)
{
    private const string Shared =
        "phone,country,name,notes,date\n" +
        "+44 7700 900001,GB,José Muñoz,Met the minister,2021-03-01\n" +   // 1: restricted to alpha
        "+44 7700 900002,GB,Zoë Clarke,Invoice for the minister,2021-05-10\n" +
        "+33 6 12 34 56 03,FR,Jose Munoz,Called the minister,2021-05-22\n" +
        "+1 202 555 0104,US,Zoe Adams,Paid the invoice,2022-01-15\n" +
        "+33 6 98 76 54 05,FR,Pierre Dubois,Invoice attached,2020-12-31\n" +
        "+34 699 888 006,ES,Ana Pérez,Nothing to see,2021-05-10\n" +
        "+44 7700 900007,GB,Ann Lee,Minister's driver,2023-07-04\n" +
        "+49 151 2345 0008,DE,Kai Roth,No date known,\n";

    private const string Undated = "phone,country,name\n+44 7700 900201,GB,Undated One\n+33 6 00 00 02 02,FR,Undated Two\n";

    private const string AlphaOnly = "phone,country,name,date\n+44 7700 900101,GB,Hidden Minister,2021-05-01\n+52 55 1234 5678,MX,Hidden Two,2021-06-01\n";

    private sealed record Fixture(InvestigationView Investigation, DatasetView Shared, DatasetView Undated, DatasetView AlphaOnly, Dictionary<long, RecordView> Rows);

    private async Task<Fixture> GivenFixtureAsync()
    {
        var (investigation, shared) = await GivenInvestigationWithDatasetAsync(Shared);
        var alpha = Server.ClientFor("ines@alpha");
        var undated = await alpha.CreateDatasetAsync(investigation.Id, new NewDataset("Undated numbers", ""));
        using (var csv = Csv(Undated))
        {
            await alpha.ImportCsvAsync(undated.Id, csv);
        }
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
            var tom = await Server.Accounts.AccountAsync("tom@bravo");
            var sequence = 0L;
            Annotation Verdict(RecordView record, string state, Visibility visibility, string outlet, string author = "someone", string? tag = null, bool retracted = false) =>
                new(Guid.NewGuid(), record.Id, record.DatasetId, investigation.Id, "verification", "", visibility, author, author, outlet,
                    DateTimeOffset.UtcNow, ++sequence, null, tag, state, retracted);
            session.Store(
                Verdict(rows[1], VerificationStates.Infected, Visibility.Consortium, "alpha"),          // on the record bravo cannot see
                Verdict(rows[2], VerificationStates.Identified, Visibility.Consortium, "lab", tag: "suspect"),
                Verdict(rows[2], VerificationStates.Infected, Visibility.Outlet, "alpha"),             // later: alpha's latest on row 2
                Verdict(rows[3], VerificationStates.ConsentObtained, Visibility.Outlet, "alpha"),      // alpha only
                Verdict(rows[4], VerificationStates.Identified, Visibility.Private, "bravo", author: tom.Id), // tom only
                Verdict(rows[5], VerificationStates.Attempted, Visibility.Consortium, "lab", retracted: true),
                Verdict(rows[7], VerificationStates.ForensicsSubmitted, Visibility.Consortium, "bravo", tag: "suspect"),
                Verdict(hiddenRows[0], VerificationStates.Infected, Visibility.Consortium, "alpha"));
            await session.SaveChangesAsync();
        }
        await alpha.SetRecordRestrictionAsync(rows[1].Id, new OutletRestriction(["alpha"]));
        return new Fixture(investigation, shared, undated, alphaOnly, rows);
    }

    private static Dictionary<string, long> Counts(IEnumerable<FacetCount> counts) =>
        counts.Where(c => c.Count > 0).ToDictionary(f => f.Value ?? "(none)", f => f.Count);

    private static Dictionary<string, long> Months(RecordCharts charts) => charts.Months.ToDictionary(m => m.Month, m => m.Count);

    public static TheoryData<string> Callers => new() { "tom@bravo", "ines@alpha", "lena@lab" };

    private static readonly SearchQuery[] Filters =
    [
        new(),
        new(Country: "GB"),
        new(Tag: "suspect"),
        new(Verification: VerificationStates.Infected),
        new(Q: "minister"),
        new(Phone: "7700"),
        new(Annotated: true),
        new(From: new DateOnly(2021, 1, 1), To: new DateOnly(2021, 12, 31)),
        new(Q: "invoice", Country: "FR"),
    ];

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task The_pictures_count_what_the_facets_count_for_the_same_filters(string caller)
    {
        var f = await GivenFixtureAsync();
        var client = Server.ClientFor(caller);

        foreach (var query in Filters)
        {
            var search = await client.SearchAsync(f.Shared.Id, query);
            var charts = await client.ChartsAsync(f.Shared.Id, query);
            var wide = await client.SearchInvestigationAsync(f.Investigation.Id, query);
            var wideCharts = await client.InvestigationChartsAsync(f.Investigation.Id, query);

            foreach (var (page, pictures) in new[] { (search, charts), (wide, wideCharts) })
            {
                Assert.Equal(page.Total, pictures.Total);
                Assert.Equal(Counts(page.Facets!.Countries), Counts(pictures.Countries));
                Assert.Equal(Counts(page.Facets.VerificationStates), Counts(pictures.Verification));
                // Every state has its bar, in the order of the states, then the records without a verdict.
                Assert.Equal([.. VerificationStates.All, null], pictures.Verification.Select(v => v.Value));
                // The timeline holds every match once: dated in its month, or undated.
                Assert.Equal(page.Total, pictures.Months.Sum(m => m.Count) + pictures.Undated);
            }
        }
    }

    [Fact]
    public async Task A_reporter_gets_a_funnel_without_another_outlets_outlet_only_verifications()
    {
        var f = await GivenFixtureAsync();

        var bravo = await Server.ClientFor("tom@bravo").ChartsAsync(f.Shared.Id, new SearchQuery());
        var alpha = await Server.ClientFor("ines@alpha").ChartsAsync(f.Shared.Id, new SearchQuery());
        var lab = await Server.ClientFor("lena@lab").InvestigationChartsAsync(f.Investigation.Id, new SearchQuery());

        // Bravo: row 1 is restricted away; row 2's latest visible verdict is lab's (alpha's is outlet-only); row 3's is
        // alpha's outlet-only one; row 4's is tom's own private one; row 5's was retracted.
        Assert.Equal(new Dictionary<string, long>
        {
            [VerificationStates.Identified] = 2, [VerificationStates.ForensicsSubmitted] = 1, ["(none)"] = 4,
        }, Counts(bravo.Verification));
        Assert.Equal(new Dictionary<string, long>
        {
            [VerificationStates.Infected] = 2, [VerificationStates.ConsentObtained] = 1, [VerificationStates.ForensicsSubmitted] = 1, ["(none)"] = 4,
        }, Counts(alpha.Verification));
        // Lab, across the investigation: alpha's compartment and its verdict never count, nor does row 1.
        Assert.Equal(new Dictionary<string, long>
        {
            [VerificationStates.Identified] = 1, [VerificationStates.ForensicsSubmitted] = 1, ["(none)"] = 7,
        }, Counts(lab.Verification));
        Assert.DoesNotContain("MX", lab.Countries.Select(c => c.Value));
        Assert.Equal(9, lab.Total);
    }

    [Fact]
    public async Task The_timeline_counts_selections_per_month_and_says_which_datasets_have_no_date()
    {
        var f = await GivenFixtureAsync();
        var bravo = Server.ClientFor("tom@bravo");

        var dataset = await bravo.ChartsAsync(f.Shared.Id, new SearchQuery());
        var in2021 = await bravo.ChartsAsync(f.Shared.Id, new SearchQuery(From: new DateOnly(2021, 1, 1), To: new DateOnly(2021, 12, 31)));
        var tagged = await bravo.ChartsAsync(f.Shared.Id, new SearchQuery(Tag: "suspect"));
        var undated = await bravo.ChartsAsync(f.Undated.Id, new SearchQuery());
        var wide = await bravo.InvestigationChartsAsync(f.Investigation.Id, new SearchQuery());
        var alphaWide = await Server.ClientFor("ines@alpha").InvestigationChartsAsync(f.Investigation.Id, new SearchQuery());

        // Row 1 (2021-03) is restricted away from bravo; row 8 has no date.
        Assert.Equal(new Dictionary<string, long> { ["2020-12"] = 1, ["2021-05"] = 3, ["2022-01"] = 1, ["2023-07"] = 1 }, Months(dataset));
        Assert.Equal(["2020-12", "2021-05", "2022-01", "2023-07"], dataset.Months.Select(m => m.Month));
        Assert.Equal(1, dataset.Undated);
        Assert.Empty(dataset.DatasetsWithoutDate);
        Assert.Equal(new Dictionary<string, long> { ["2021-05"] = 3 }, Months(in2021));
        Assert.Equal(0, in2021.Undated);
        Assert.Equal(new Dictionary<string, long> { ["2021-05"] = 1, ["2023-07"] = 1 }, Months(tagged));
        Assert.Empty(undated.Months);
        Assert.Equal(2, undated.Undated);
        Assert.Equal([f.Undated.Id], undated.DatasetsWithoutDate);
        Assert.Equal(Months(dataset), Months(wide));
        Assert.Equal(3, wide.Undated);
        Assert.Equal([f.Undated.Id], wide.DatasetsWithoutDate);
        // Alpha sees row 1 and its own compartment's records.
        Assert.Equal(new Dictionary<string, long> { ["2020-12"] = 1, ["2021-03"] = 1, ["2021-05"] = 4, ["2021-06"] = 1, ["2022-01"] = 1, ["2023-07"] = 1 }, Months(alphaWide));
    }

    [Fact]
    public async Task Bad_filters_are_refused_with_problem_details_and_hidden_datasets_are_not_found()
    {
        var f = await GivenFixtureAsync();
        var bravo = Server.ClientFor("tom@bravo");

        var badCountry = await Assert.ThrowsAsync<ConsortiumProblemException>(() => bravo.ChartsAsync(f.Shared.Id, new SearchQuery(Country: "GBR")));
        var badRange = await Assert.ThrowsAsync<ConsortiumProblemException>(() =>
            bravo.ChartsAsync(f.Shared.Id, new SearchQuery(From: new DateOnly(2022, 1, 1), To: new DateOnly(2021, 1, 1))));
        var noWords = await Assert.ThrowsAsync<ConsortiumProblemException>(() => bravo.ChartsAsync(f.Shared.Id, new SearchQuery(Q: "!!!")));
        var compartment = await Assert.ThrowsAsync<ConsortiumProblemException>(() => bravo.ChartsAsync(f.AlphaOnly.Id, new SearchQuery()));
        var unknown = await Assert.ThrowsAsync<ConsortiumProblemException>(() => bravo.ChartsAsync(Guid.NewGuid(), new SearchQuery()));
        var hiddenFilter = await Assert.ThrowsAsync<ConsortiumProblemException>(() =>
            bravo.InvestigationChartsAsync(f.Investigation.Id, new SearchQuery(Dataset: f.AlphaOnly.Id)));
        var outsider = await Assert.ThrowsAsync<ConsortiumProblemException>(() =>
            Server.ClientFor("carl@charlie").InvestigationChartsAsync(f.Investigation.Id, new SearchQuery()));

        Assert.Equal((HttpStatusCode.BadRequest, "Invalid country"), (badCountry.Status, badCountry.Title));
        Assert.Equal((HttpStatusCode.BadRequest, "Invalid date range"), (badRange.Status, badRange.Title));
        Assert.Equal((HttpStatusCode.BadRequest, "Invalid search"), (noWords.Status, noWords.Title));
        Assert.Equal(HttpStatusCode.NotFound, compartment.Status);
        Assert.Equal((compartment.Title, compartment.Detail), (unknown.Title, unknown.Detail));
        Assert.Equal(HttpStatusCode.BadRequest, hiddenFilter.Status);
        Assert.Equal(HttpStatusCode.NotFound, outsider.Status);
    }

    [Fact]
    public async Task Drawing_the_pictures_is_audited_as_a_search_with_its_filters()
    {
        var f = await GivenFixtureAsync();
        var ines = Server.ClientFor("ines@alpha");
        await ines.ChartsAsync(f.Shared.Id, new SearchQuery(Country: "GB"));

        var entries = (await ines.ListAuditAsync(f.Investigation.Id, action: AuditActions.RecordsSearched)).Items;

        // Alpha sees row 1 too. (Another outlet's search terms are withheld from a coordinator, as for any search.)
        Assert.Contains(entries, e => e.TargetId == f.Shared.Id.ToString() && e.Detail == "charts; country=GB; 3 matches");
    }
}
