using System.Net;

namespace Consortium.Server.Tests.Records;

[Collection(RecordsCollection.Name)]
public sealed class SearchTests(ConsortiumServer server) : ServerTest(server)
{
    // Row numbers 1 to 6. Names with and without diacritics, numbers written in several national and international forms.
    private const string People =
        "phone,country,name,notes\n" +
        "+44 7700 900123,GB,José Muñoz,Met the minister in Lisbon\n" +
        "07700 900456,GB,Zoë Clarke,Muñoz and José signed the contract\n" +
        "+33 6 12 34 56 78,FR,Jose Munoz,Called from the minister's office\n" +
        "(202) 555-0101,US,Zoe Adams,Paid the invoice in Lisbon\n" +
        "06 98 76 54 32,FR,Pierre Dubois,Invoice for José Muñoz attached\n" +
        "+34 699 888 777,ES,Ana Pérez,Nothing to see\n";

    private static long[] Rows(SearchPage page) => page.Items.Select(r => r.Record.RowNumber).ToArray();

    [Theory]
    [InlineData("7700 900123", new long[] { 1 })]
    [InlineData("+44 7700 900123", new long[] { 1 })]
    [InlineData("07700 900123", new long[] { 1 })]
    [InlineData("0044-7700-900-123", new long[] { 1 })]
    [InlineData("(0)7700", new long[] { 1, 2 })]
    [InlineData("6 12 34", new long[] { 3 })]
    [InlineData("555-0101", new long[] { 4 })]
    [InlineData("+1 202 555 0101", new long[] { 4 })]
    [InlineData("06.98.76", new long[] { 5 })]
    [InlineData("999999", new long[0])]
    public async Task Partial_phone_numbers_in_any_format_find_the_rows_holding_them(string phone, long[] expected)
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync(People);

        var page = await Server.ClientFor("tom@bravo").SearchAsync(dataset.Id, phone: phone);

        Assert.Equal(expected, Rows(page));
        Assert.Equal(expected.Length, page.Total);
        Assert.All(page.Items, r =>
        {
            var highlight = Assert.Single(r.Highlights);
            Assert.Equal("phone", highlight.Field);
            Assert.Equal(r.Record.PhoneE164, highlight.Text);
            var span = Assert.Single(highlight.Matches);
            Assert.All(highlight.Text.Substring(span.Start, span.Length), c => Assert.True(char.IsAsciiDigit(c)));
        });
    }

    [Fact]
    public async Task A_phone_search_needs_three_digits()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync(People);

        var error = await Assert.ThrowsAsync<ConsortiumProblemException>(() => Server.ClientFor("tom@bravo").SearchAsync(dataset.Id, phone: "+4"));

        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
    }

    [Theory]
    [InlineData("Zoë")]
    [InlineData("zoe")]
    [InlineData("ZOE")]
    public async Task Words_match_with_or_without_diacritics_and_in_any_case(string word)
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync(People);

        var page = await Server.ClientFor("tom@bravo").SearchAsync(dataset.Id, q: word);

        Assert.Equal([2L, 4L], Rows(page));
        var highlight = Assert.Single(page.Items[0].Highlights);
        Assert.Equal("name", highlight.Field);
        Assert.Equal("Zoë Clarke", highlight.Text);
        Assert.Equal([new HighlightSpan(0, 3)], highlight.Matches);
    }

    [Fact]
    public async Task Words_without_quotes_match_anywhere_in_the_record_and_each_matching_value_is_highlighted()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync(People);

        var page = await Server.ClientFor("tom@bravo").SearchAsync(dataset.Id, q: "munoz jose");

        Assert.Equal([1L, 2L, 3L, 5L], Rows(page));
        Assert.Equal(["name"], page.Items[0].Highlights.Select(h => h.Field));
        Assert.Equal(["notes"], page.Items[1].Highlights.Select(h => h.Field));
        var notes = page.Items[1].Highlights[0];
        Assert.Equal(["Muñoz", "José"], notes.Matches.Select(m => notes.Text.Substring(m.Start, m.Length)));
    }

    [Fact]
    public async Task A_quoted_phrase_matches_only_those_words_in_that_order()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync(People);
        var bravo = Server.ClientFor("tom@bravo");

        var phrase = await bravo.SearchAsync(dataset.Id, q: "\"José Muñoz\"");
        var reversed = await bravo.SearchAsync(dataset.Id, q: "\"Muñoz José\"");
        var minister = await bravo.SearchAsync(dataset.Id, q: "\"the minister\"");

        // Row 2 holds both words, but apart and in the other order.
        Assert.Equal([1L, 3L, 5L], Rows(phrase));
        Assert.Empty(reversed.Items);
        Assert.Equal([1L, 3L], Rows(minister));
    }

    [Fact]
    public async Task Country_counts_cover_the_whole_search_and_the_country_filter_narrows_the_results()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync(People);
        var bravo = Server.ClientFor("tom@bravo");

        var all = await bravo.SearchAsync(dataset.Id);
        var lisbon = await bravo.SearchAsync(dataset.Id, q: "lisbon");
        var french = await bravo.SearchAsync(dataset.Id, q: "munoz", country: "fr");

        Assert.Equal([new FacetCount("FR", 2), new FacetCount("GB", 2), new FacetCount("ES", 1), new FacetCount("US", 1)], all.Countries);
        Assert.Equal(6, all.Total);
        Assert.Equal([new FacetCount("GB", 1), new FacetCount("US", 1)], lisbon.Countries);
        Assert.Equal([3L, 5L], Rows(french));
        Assert.Equal(2, french.Total);
        // The counts ignore the country filter itself, so the other countries stay on offer.
        Assert.Equal([new FacetCount("GB", 2), new FacetCount("FR", 2)], french.Countries.OrderBy(c => c.Value == "FR"));
    }

    [Fact]
    public async Task A_restricted_record_is_neither_found_nor_counted_for_an_outlet_outside_the_restriction()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync(People);
        var alpha = Server.ClientFor("ines@alpha");
        var bravo = Server.ClientFor("tom@bravo");
        var first = (await alpha.ListRecordsAsync(dataset.Id)).Items[0];
        await alpha.SetRecordRestrictionAsync(first.Id, new OutletRestriction(["alpha"]));

        var forBravo = await bravo.SearchAsync(dataset.Id, q: "muñoz");
        var byPhone = await bravo.SearchAsync(dataset.Id, phone: "7700 900123");
        var forAlpha = await alpha.SearchAsync(dataset.Id, q: "muñoz");

        Assert.Equal([2L, 3L, 5L], Rows(forBravo));
        Assert.Equal([new FacetCount("FR", 2), new FacetCount("GB", 1)], forBravo.Countries);
        Assert.Equal(3, forBravo.Total);
        Assert.Empty(byPhone.Items);
        Assert.Empty(byPhone.Countries);
        Assert.Equal([1L, 2L, 3L, 5L], Rows(forAlpha));
        Assert.Equal([new FacetCount("FR", 2), new FacetCount("GB", 2)], forAlpha.Countries);
    }

    [Fact]
    public async Task Searching_a_compartmented_dataset_from_outside_the_compartment_is_not_found()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync(People, compartment: ["alpha"]);

        var bravo = await Assert.ThrowsAsync<ConsortiumProblemException>(() => Server.ClientFor("tom@bravo").SearchAsync(dataset.Id, q: "muñoz"));
        var charlie = await Assert.ThrowsAsync<ConsortiumProblemException>(() => Server.ClientFor("carl@charlie").SearchAsync(dataset.Id, phone: "7700"));
        var unknown = await Assert.ThrowsAsync<ConsortiumProblemException>(() => Server.ClientFor("tom@bravo").SearchAsync(Guid.NewGuid(), q: "muñoz"));

        Assert.Equal(HttpStatusCode.NotFound, bravo.Status);
        Assert.Equal(HttpStatusCode.NotFound, charlie.Status);
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Equal(4, (await Server.ClientFor("ines@alpha").SearchAsync(dataset.Id, q: "muñoz")).Total);
    }

    [Fact]
    public async Task Pages_follow_the_cursor_over_all_results_without_repeats()
    {
        var rows = string.Concat(Enumerable.Range(0, 23).Select(i => $"07700 900{i:000},GB,Person {i},{(i % 3 == 0 ? "seen in Porto" : "elsewhere")}\n"));
        var (_, dataset) = await GivenInvestigationWithDatasetAsync("phone,country,name,notes\n" + rows);
        var bravo = Server.ClientFor("tom@bravo");

        var seen = new List<long>();
        string? after = null;
        var pages = 0;
        do
        {
            var page = await bravo.SearchAsync(dataset.Id, q: "porto", after: after, limit: 3);
            Assert.Equal(8, page.Total);
            seen.AddRange(Rows(page));
            after = page.Next;
            pages++;
        }
        while (after is not null);

        Assert.Equal([1L, 4L, 7L, 10L, 13L, 16L, 19L, 22L], seen);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task A_query_without_words_is_refused()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync(People);

        var error = await Assert.ThrowsAsync<ConsortiumProblemException>(() => Server.ClientFor("tom@bravo").SearchAsync(dataset.Id, q: "!!! --"));

        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
    }

    [Fact]
    public async Task A_search_is_audited_with_its_query()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync(People);

        await Server.ClientFor("tom@bravo").SearchAsync(dataset.Id, q: "\"José Muñoz\"", phone: "7700", country: "gb");

        // A coordinator of the searcher's own outlet reads the terms; one of another outlet would not (AuditOutletWallTests).
        await GivenMemberAsync(investigation.Id, "cora@bravo", InvestigationRole.Coordinator);
        var searched = Assert.Single((await Server.ClientFor("cora@bravo").ListAuditAsync(investigation.Id, action: AuditActions.RecordsSearched)).Items);
        Assert.Equal(("dataset", dataset.Id.ToString()), (searched.TargetType, searched.TargetId));
        Assert.Equal("q=\"José Muñoz\"; phone=7700; country=GB; first page; 1 matches", searched.Detail);
    }
}
