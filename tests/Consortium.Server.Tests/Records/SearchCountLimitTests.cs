namespace Consortium.Server.Tests.Records;

/// <summary>
/// Counts of a search that matches more records than the server counts (Search:CountLimit, 4 here): the total and the
/// record counts are lower bounds and say so, below the limit they stay exact, and records restricted away from the
/// caller are no more counted above the limit than below it.
/// </summary>
[Collection(SearchCountLimitCollection.Name)]
public sealed class SearchCountLimitTests(LowCountLimitServer server) : SearchCountLimitCases(server);

/// <summary>
/// The same cases on a server that takes every text search for a frequent one (Search:SurelyDense 0): the page is
/// walked in row order and the counts run on a second connection beside it.
/// </summary>
[Collection(DenseSearchCollection.Name)]
public sealed class DenseSearchCountLimitTests(DenseSearchServer server) : SearchCountLimitCases(server)
{
    [Fact]
    public async Task A_frequent_word_gets_its_page_its_highlights_and_its_counts_together()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync(Leak);
        var bravo = Server.ClientFor("tom@bravo");

        var page = await bravo.SearchAsync(dataset.Id, new SearchQuery("driver"));

        Assert.Equal([7L, 12L], page.Items.Select(r => r.Record.RowNumber));
        Assert.All(page.Items, r => Assert.Contains(r.Highlights, h => h.Field == "notes" && h.Matches.Count == 1));
        Assert.Equal(2, page.Total);
        Assert.Equal([("FR", 1L), ("GB", 1L)], page.Countries.Select(c => (c.Value!, c.Count)).OrderBy(c => c.Item1).ToArray());
    }
}

public abstract class SearchCountLimitCases(ConsortiumServer server) : ServerTest(server)
{
    // Rows 1 to 4: Russian numbers restricted to alpha; rows 5 to 12 visible to every member outlet.
    protected const string Leak =
        "phone,country,name,notes\n" +
        "+7 912 000 0001,RU,Hidden One,Payment to the minister\n" +
        "+7 912 000 0002,RU,Hidden Two,Payment to the minister\n" +
        "+7 912 000 0003,RU,Hidden Three,Payment to the minister\n" +
        "+7 912 000 0004,RU,Hidden Four,Payment to the minister\n" +
        "+44 7700 900005,GB,Ann Lee,Payment to the minister\n" +
        "+44 7700 900006,GB,Bob Roe,Payment received\n" +
        "+33 6 12 34 56 07,FR,Cleo Dupont,Payment to the driver\n" +
        "+33 6 12 34 56 08,FR,Denis Roux,Payment pending\n" +
        "+44 7700 900009,GB,Eve Moss,Payment of the invoice\n" +
        "+34 699 888 010,ES,Fay Ruiz,Invoice sent\n" +
        "+34 699 888 011,ES,Gus Vila,Nothing to see\n" +
        "+44 7700 900012,GB,Hal Ives,Called the driver\n";

    private async Task<(Guid Dataset, ConsortiumClient Bravo, ConsortiumClient Alpha)> GivenLeakAsync()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync(Leak);
        var alpha = Server.ClientFor("ines@alpha");
        foreach (var record in (await alpha.ListRecordsAsync(dataset.Id)).Items.Where(r => r.RowNumber <= 4))
        {
            await alpha.SetRecordRestrictionAsync(record.Id, new OutletRestriction(["alpha"]));
        }
        return (dataset.Id, Server.ClientFor("tom@bravo"), alpha);
    }

    [Fact]
    public async Task A_search_matching_more_than_the_limit_says_its_counts_are_lower_bounds_and_they_hold()
    {
        var (dataset, bravo, _) = await GivenLeakAsync();

        var first = await bravo.SearchAsync(dataset, new SearchQuery("payment"));
        var all = await AllRowsAsync(bravo, dataset, new SearchQuery("payment"));

        // Bravo sees five payments (rows 5 to 9): more than the server counts.
        Assert.Equal([5L, 6L, 7L, 8L, 9L], all);
        Assert.True(first.TotalIsLowerBound);
        Assert.Equal(4, first.Total);
        Assert.True(first.Total <= all.Length);
        Assert.All(first.Countries, c => Assert.True(c.AtLeast));
        Assert.Equal(4, first.Countries.Sum(c => c.Count));
        // Each country's count is at most its real count among bravo's matches (GB 3, FR 2).
        var real = new Dictionary<string, long> { ["GB"] = 3, ["FR"] = 2 };
        Assert.All(first.Countries, c => Assert.InRange(c.Count, 1, real[c.Value!]));
        Assert.Contains(first.Facets!.Annotated, a => a is { Value: "no", AtLeast: true });
    }

    [Fact]
    public async Task Below_the_limit_counts_are_exact_and_not_marked()
    {
        var (dataset, bravo, _) = await GivenLeakAsync();

        var page = await bravo.SearchAsync(dataset, new SearchQuery("driver"));

        Assert.False(page.TotalIsLowerBound);
        Assert.Equal(2, page.Total);
        Assert.Equal([("FR", 1L, false), ("GB", 1L, false)], page.Countries.Select(c => (c.Value!, c.Count, c.AtLeast)).OrderBy(c => c.Item1).ToArray());
    }

    [Fact]
    public async Task Restricted_records_are_not_counted_above_the_limit()
    {
        var (dataset, bravo, alpha) = await GivenLeakAsync();

        var bravoPage = await bravo.SearchAsync(dataset, new SearchQuery("minister"));
        var alphaPage = await alpha.SearchAsync(dataset, new SearchQuery("minister"));
        var bravoInRussia = await bravo.SearchAsync(dataset, new SearchQuery("payment", Country: "RU"));

        // Five records say "minister"; bravo may see one of them, below the limit: an exact 1, in GB.
        Assert.False(bravoPage.TotalIsLowerBound);
        Assert.Equal(1, bravoPage.Total);
        Assert.Equal([("GB", 1L)], bravoPage.Countries.Select(c => (c.Value!, c.Count)).ToArray());
        // Alpha sees all five: above the limit, and the restricted Russian records are among its counts.
        Assert.True(alphaPage.TotalIsLowerBound);
        Assert.Contains(alphaPage.Countries, c => c.Value == "RU");
        // Bravo's counts of a search above the limit never name the hidden country, and filtering by it finds nothing.
        Assert.DoesNotContain(bravoInRussia.Countries, c => c.Value == "RU");
        Assert.Equal(0, bravoInRussia.Total);
        Assert.False(bravoInRussia.TotalIsLowerBound);
        Assert.Empty(bravoInRussia.Items);
    }

    private static async Task<long[]> AllRowsAsync(ConsortiumClient client, Guid dataset, SearchQuery query)
    {
        var rows = new List<long>();
        string? after = null;
        do
        {
            var page = await client.SearchAsync(dataset, query, after, limit: 2, facets: false);
            rows.AddRange(page.Items.Select(r => r.Record.RowNumber));
            after = page.Next;
        }
        while (after is not null);
        return [.. rows];
    }
}
