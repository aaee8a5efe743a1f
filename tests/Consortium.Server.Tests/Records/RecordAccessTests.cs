using System.Net;

namespace Consortium.Server.Tests.Records;

[Collection(RecordsCollection.Name)]
public sealed class RecordAccessTests(ConsortiumServer server) : ServerTest(server)
{
    private static string Numbers(int count) =>
        "phone,country\n" + string.Concat(Enumerable.Range(0, count).Select(i => $"07700 900{i:000},GB\n"));

    [Fact]
    public async Task Pages_follow_the_cursor_to_the_end_without_gaps_or_repeats()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync(Numbers(25));
        var bravo = Server.ClientFor("tom@bravo");

        var seen = new List<long>();
        long? after = 0;
        while (after is { } cursor)
        {
            var page = await bravo.ListRecordsAsync(dataset.Id, after: cursor, limit: 10);
            seen.AddRange(page.Items.Select(r => r.RowNumber));
            after = page.Next;
        }

        Assert.Equal(Enumerable.Range(1, 25).Select(i => (long)i), seen);
    }

    [Theory]
    [InlineData("900012")]
    [InlineData("+44 7700 900012")]
    [InlineData("7700-900-012")]
    public async Task Partial_phone_search_finds_the_number_whatever_the_punctuation(string query)
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync(Numbers(25));

        var page = await Server.ClientFor("tom@bravo").ListRecordsAsync(dataset.Id, phoneDigits: query);

        Assert.Equal("+447700900012", Assert.Single(page.Items).PhoneE164);
    }

    [Fact]
    public async Task Outlet_outside_the_compartment_cannot_see_the_dataset_or_its_records()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync(Numbers(3), compartment: ["lab"]);
        var bravo = Server.ClientFor("tom@bravo");
        var lab = Server.ClientFor("lena@lab");
        var record = (await lab.ListRecordsAsync(dataset.Id)).Items[0];

        Assert.Empty(await bravo.ListDatasetsAsync(investigation.Id));
        Assert.Equal(0, (await bravo.GetInvestigationAsync(investigation.Id)).DatasetCount);
        Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<ConsortiumProblemException>(() => bravo.GetDatasetAsync(dataset.Id))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<ConsortiumProblemException>(() => bravo.ListRecordsAsync(dataset.Id))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<ConsortiumProblemException>(() => bravo.GetRecordAsync(record.Id))).Status);
        Assert.Equal(["alpha", "lab"], (await lab.GetDatasetAsync(dataset.Id)).SharedWithOutletIds!.Order());
    }

    [Fact]
    public async Task Record_restriction_is_read_by_those_inside_it_and_hidden_from_those_outside()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync(Numbers(2));
        var alpha = Server.ClientFor("ines@alpha");
        var bravo = Server.ClientFor("tom@bravo");
        var record = (await alpha.ListRecordsAsync(dataset.Id)).Items[0];
        Assert.Null((await bravo.GetRecordRestrictionAsync(record.Id)).OutletIds);

        await alpha.SetRecordRestrictionAsync(record.Id, new OutletRestriction(["alpha"]));

        Assert.Equal(["alpha"], (await alpha.GetRecordRestrictionAsync(record.Id)).OutletIds);
        var outside = await Assert.ThrowsAsync<ConsortiumProblemException>(() => bravo.GetRecordRestrictionAsync(record.Id));
        Assert.Equal(HttpStatusCode.NotFound, outside.Status);
        var stranger = await Assert.ThrowsAsync<ConsortiumProblemException>(() => Server.ClientFor("carl@charlie").GetRecordRestrictionAsync(record.Id));
        Assert.Equal(HttpStatusCode.NotFound, stranger.Status);

        await alpha.SetRecordRestrictionAsync(record.Id, new OutletRestriction(null));
        Assert.Null((await bravo.GetRecordRestrictionAsync(record.Id)).OutletIds);
    }

    [Fact]
    public async Task Compartment_may_only_name_member_outlets()
    {
        var alpha = Server.ClientFor("ines@alpha");
        var investigation = await alpha.CreateInvestigationAsync(new NewInvestigation("Nightjar", "", ["bravo"]));

        var error = await Assert.ThrowsAsync<ConsortiumProblemException>(() =>
            alpha.CreateDatasetAsync(investigation.Id, new NewDataset("Secret", "", ["charlie"])));

        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
        Assert.Empty(await alpha.ListDatasetsAsync(investigation.Id));
    }

    [Fact]
    public async Task Non_member_gets_not_found_for_records_of_the_investigation()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync(Numbers(1));
        var record = (await Server.ClientFor("ines@alpha").ListRecordsAsync(dataset.Id)).Items[0];

        var error = await Assert.ThrowsAsync<ConsortiumProblemException>(() => Server.ClientFor("carl@charlie").GetRecordAsync(record.Id));

        Assert.Equal(HttpStatusCode.NotFound, error.Status);
    }

    [Fact]
    public async Task Page_size_outside_the_limits_is_a_bad_request()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync(Numbers(1));
        var error = await Assert.ThrowsAsync<ConsortiumProblemException>(() => Server.ClientFor("ines@alpha").ListRecordsAsync(dataset.Id, limit: 100_000));
        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
    }
}
