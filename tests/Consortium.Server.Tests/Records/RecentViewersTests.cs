using System.Net;

namespace Consortium.Server.Tests.Records;

[Collection(RecordsCollection.Name)]
public sealed class RecentViewersTests(ConsortiumServer server) : ServerTest(server)
{
    private const string TwoNumbers = "phone,country\n07700 900001,GB\n07700 900002,GB\n";

    private async Task<string> IdOf(string user) => (await Server.Accounts.AccountAsync(user)).Id;

    [Fact]
    public async Task Reporter_sees_who_of_their_own_outlet_read_the_record_newest_first_and_nobody_of_another_outlet()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync(TwoNumbers);
        var tom = Server.ClientFor("tom@bravo");
        var records = (await tom.ListRecordsAsync(dataset.Id)).Items;
        var record = records[0];

        await tom.GetRecordAsync(record.Id);
        await Server.ClientFor("marie@alpha").GetRecordAsync(record.Id);
        await Server.ClientFor("tom.ellery@bravo").GetRecordAsync(record.Id);
        // Reads of another record are not views of this one.
        await Server.ClientFor("lena@lab").GetRecordAsync(records[1].Id);

        var viewers = await tom.ListRecentViewersAsync(record.Id);

        Assert.Equal([await IdOf("tom.ellery@bravo"), await IdOf("tom@bravo")], viewers.Select(v => v.UserId));
        Assert.True(viewers[0].LastViewedAt >= viewers[1].LastViewedAt);
        Assert.All(viewers, v => Assert.Equal(TimeSpan.Zero, v.LastViewedAt.Offset));
        Assert.DoesNotContain(await IdOf("marie@alpha"), viewers.Select(v => v.UserId));
    }

    [Fact]
    public async Task Someone_who_read_the_record_again_appears_once_at_their_latest_read()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync(TwoNumbers);
        var tom = Server.ClientFor("tom@bravo");
        var ellery = Server.ClientFor("tom.ellery@bravo");
        var record = (await tom.ListRecordsAsync(dataset.Id)).Items[0];

        await tom.GetRecordAsync(record.Id);
        await ellery.GetRecordAsync(record.Id);
        await tom.GetRecordAsync(record.Id);

        var viewers = await ellery.ListRecentViewersAsync(record.Id);

        Assert.Equal([await IdOf("tom@bravo"), await IdOf("tom.ellery@bravo")], viewers.Select(v => v.UserId));
    }

    [Fact]
    public async Task Outsider_gets_not_found_as_for_a_missing_record()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync(TwoNumbers);
        var record = (await Server.ClientFor("ines@alpha").ListRecordsAsync(dataset.Id)).Items[0];
        var charlie = Server.ClientFor("carl@charlie");

        var error = await Assert.ThrowsAsync<ConsortiumProblemException>(() => charlie.ListRecentViewersAsync(record.Id));
        var missing = await Assert.ThrowsAsync<ConsortiumProblemException>(() => charlie.ListRecentViewersAsync(Guid.NewGuid()));

        Assert.Equal(HttpStatusCode.NotFound, error.Status);
        Assert.Equal((error.Status, error.Title, error.Detail), (missing.Status, missing.Title, missing.Detail));
    }

    [Fact]
    public async Task Listing_the_viewers_is_not_recorded_as_a_read_of_the_record()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync(TwoNumbers);
        var tom = Server.ClientFor("tom@bravo");
        var record = (await tom.ListRecordsAsync(dataset.Id)).Items[0];
        await tom.GetRecordAsync(record.Id);

        await tom.ListRecentViewersAsync(record.Id);
        await Server.ClientFor("tom.ellery@bravo").ListRecentViewersAsync(record.Id);

        var reads = (await Server.ClientFor("ines@alpha").ListAuditAsync(investigation.Id, action: AuditActions.RecordRead)).Items;
        Assert.Equal(await IdOf("tom@bravo"), Assert.Single(reads).ActorUserId);
        Assert.Single(await tom.ListRecentViewersAsync(record.Id));
    }
}
