using System.Net;

namespace Consortium.Server.Tests.Audit;

[Collection(AuditCollection.Name)]
public sealed class AuditLogTests(ConsortiumServer server) : ServerTest(server)
{
    private const string ThreeNumbers = "phone,country\n07700 900001,GB\n07700 900002,GB\n07700 900003,GB\n";

    private ConsortiumClient Coordinator => Server.ClientFor("ines@alpha");

    private async Task<string> IdOf(string user) => (await Server.Accounts.AccountAsync(user)).Id;

    [Fact]
    public async Task Reading_a_record_writes_an_entry_with_actor_outlet_target_address_and_UTC_time()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync(ThreeNumbers);
        // A reader of the coordinator's own outlet: another outlet's reads are shown without the record (AuditOutletWallTests).
        await GivenMemberAsync(investigation.Id, "tom.baker@alpha", InvestigationRole.Reporter);
        var tom = Server.ClientFor("tom.baker@alpha");
        tom.Http.DefaultRequestHeaders.UserAgent.ParseAdd("AuditTest/1.0");
        var record = (await tom.ListRecordsAsync(dataset.Id)).Items[1];

        var before = DateTimeOffset.UtcNow;
        await tom.GetRecordAsync(record.Id);
        var after = DateTimeOffset.UtcNow;
        // The entry is listed as soon as the read answers; its seal follows from the background sealer.
        Assert.Single((await Coordinator.ListAuditAsync(investigation.Id, action: AuditActions.RecordRead)).Items);
        await AuditDatabase.WaitUntilSealedAsync(Server.ConnectionString);

        var entry = Assert.Single((await Coordinator.ListAuditAsync(investigation.Id, action: AuditActions.RecordRead)).Items);
        Assert.Equal((await IdOf("tom.baker@alpha"), "Tom Baker", "alpha"), (entry.ActorUserId, entry.ActorDisplayName, entry.ActorOutletId));
        Assert.Equal((investigation.Id, "record", record.Id.ToString()), (entry.InvestigationId, entry.TargetType, entry.TargetId));
        // A token from the command-line client's code flow: the entry names that client.
        Assert.Equal(("127.0.0.1", "AuditTest/1.0", "consortium-cli"), (entry.IpAddress, entry.UserAgent, entry.Client));
        Assert.Equal(TimeSpan.Zero, entry.At.Offset);
        Assert.InRange(entry.At, before, after);
        // Sealed in the chain, though the coordinators' listing shows no hashes (AuditOutletWallTests).
        Assert.Equal((null, null), (entry.Hash, entry.PreviousHash));
        Assert.NotNull(entry.Position);
        var stored = await AuditDatabase.SealedEntryAsync(Server.ConnectionString, entry.Index);
        Assert.Equal(AuditChain.ComputeKeyedHash(stored, await File.ReadAllBytesAsync(Server.AuditKeyFile)), stored.Hash);
    }

    [Fact]
    public async Task Searching_records_its_query_and_listing_records_what_was_listed()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync(ThreeNumbers);
        // The coordinator's own outlet: another outlet's terms are withheld (AuditOutletWallTests).
        var tom = Server.ClientFor("marie@alpha");

        await tom.ListRecordsAsync(dataset.Id, limit: 2);
        await tom.ListRecordsAsync(dataset.Id, phoneDigits: "+44 7700 900002");

        var searched = Assert.Single((await Coordinator.ListAuditAsync(investigation.Id, action: AuditActions.RecordsSearched)).Items);
        Assert.Equal((await IdOf("marie@alpha"), "dataset", dataset.Id.ToString(), "+44 7700 900002"), (searched.ActorUserId, searched.TargetType, searched.TargetId, searched.Detail));
        var listed = Assert.Single((await Coordinator.ListAuditAsync(investigation.Id, action: AuditActions.RecordsListed, actor: await IdOf("marie@alpha"))).Items);
        Assert.Equal("2 records after row 0", listed.Detail);
    }

    [Fact]
    public async Task Writes_are_recorded_with_what_they_changed_but_not_the_text_of_notes()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync(ThreeNumbers);
        var tom = Server.ClientFor("tom@bravo");
        var record = (await tom.ListRecordsAsync(dataset.Id)).Items[0];
        var note = await tom.AddNoteAsync(record.Id, new NewNote("Our source says this is the minister's phone", Visibility.Outlet));

        var entries = (await Coordinator.ListAuditAsync(investigation.Id)).Items;

        // Newest first; the four members the test setup added are grants; an import is uploaded, then completed.
        Assert.Equal(
            [AuditActions.AnnotationAdded, AuditActions.RecordsListed, AuditActions.RecordsImported, AuditActions.ImportStarted, AuditActions.DatasetCreated,
             AuditActions.GrantAdded, AuditActions.GrantAdded, AuditActions.GrantAdded, AuditActions.GrantAdded, AuditActions.InvestigationCreated],
            entries.Select(e => e.Action));
        var added = entries[0];
        Assert.Equal((await IdOf("tom@bravo"), "annotation", note.Id.ToString()), (added.ActorUserId, added.TargetType, added.TargetId));
        // bravo's outlet-only note is not the coordinator's (alpha) to read: its entry says what it is, not where.
        Assert.Equal("note, visibility outlet", added.Detail);
        Assert.EndsWith(": 3 imported, 0 duplicates skipped, 0 rejected", entries[2].Detail, StringComparison.Ordinal);
        Assert.Equal((dataset.Id.ToString(), "Selected numbers; shared with all members"), (entries[4].TargetId, entries[4].Detail));
        Assert.Equal((await IdOf("lena@lab"), "member Lena (lab) as Reporter"), (entries[5].TargetId, entries[5].Detail));
        Assert.Equal((investigation.Id.ToString(), "Nightjar; members bravo, lab, alpha"), (entries[9].TargetId, entries[9].Detail));
        Assert.All(entries, e => Assert.Equal(investigation.Id, e.InvestigationId));
    }

    [Fact]
    public async Task Coordinator_filters_the_audit_by_action_actor_and_time_and_pages_newest_first()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync(ThreeNumbers);
        var records = (await Coordinator.ListRecordsAsync(dataset.Id)).Items;
        // A reader of the coordinator's outlet, whose reads show which record, and one of another outlet, whose do not.
        var tom = Server.ClientFor("marie@alpha");
        var lena = Server.ClientFor("lena@lab");
        await tom.GetRecordAsync(records[0].Id);
        await lena.GetRecordAsync(records[1].Id);
        await tom.GetRecordAsync(records[2].Id);
        // Activity in another investigation stays out of this one's audit.
        var other = await Coordinator.CreateInvestigationAsync(new NewInvestigation("Other", "", ["bravo"]));

        var toms = (await Coordinator.ListAuditAsync(investigation.Id, action: AuditActions.RecordRead, actor: await IdOf("marie@alpha"))).Items;
        Assert.Equal([records[2].Id.ToString(), records[0].Id.ToString()], toms.Select(e => e.TargetId));

        var all = (await Coordinator.ListAuditAsync(investigation.Id)).Items;
        // Created, four members granted, dataset created, import uploaded and completed, listed, three reads.
        Assert.Equal(12, all.Count);
        Assert.True(all.Zip(all.Skip(1)).All(pair => pair.First.Index > pair.Second.Index));
        Assert.DoesNotContain(all, e => e.InvestigationId == other.Id);

        var lenaId = await IdOf("lena@lab");
        var lenas = all.Single(e => e.ActorUserId == lenaId);
        var since = await Coordinator.ListAuditAsync(investigation.Id, from: lenas.At);
        Assert.Equal([records[2].Id.ToString(), null], since.Items.Select(e => e.TargetId));
        var until = await Coordinator.ListAuditAsync(investigation.Id, action: AuditActions.RecordRead, to: lenas.At);
        Assert.Equal(records[0].Id.ToString(), Assert.Single(until.Items).TargetId);

        var seen = new List<long>();
        long? cursor = null;
        do
        {
            var page = await Coordinator.ListAuditAsync(investigation.Id, after: cursor, limit: 2);
            Assert.InRange(page.Items.Count, 1, 2);
            seen.AddRange(page.Items.Select(e => e.Index));
            cursor = page.Next;
        }
        while (cursor is not null);
        Assert.Equal(all.Select(e => e.Index), seen);
    }

    [Fact]
    public async Task Member_that_does_not_coordinate_is_forbidden_the_audit()
    {
        var (investigation, _) = await GivenInvestigationWithDatasetAsync(ThreeNumbers);

        var error = await Assert.ThrowsAsync<ConsortiumProblemException>(() => Server.ClientFor("tom@bravo").ListAuditAsync(investigation.Id));

        Assert.Equal(HttpStatusCode.Forbidden, error.Status);
        Assert.Equal("Coordinators only", error.Title);
    }

    [Fact]
    public async Task Outlet_that_is_not_a_member_gets_not_found_for_the_audit_as_for_a_missing_investigation()
    {
        var (investigation, _) = await GivenInvestigationWithDatasetAsync(ThreeNumbers);
        var charlie = Server.ClientFor("carl@charlie");

        var error = await Assert.ThrowsAsync<ConsortiumProblemException>(() => charlie.ListAuditAsync(investigation.Id));
        var missing = await Assert.ThrowsAsync<ConsortiumProblemException>(() => charlie.ListAuditAsync(Guid.NewGuid()));

        Assert.Equal(HttpStatusCode.NotFound, error.Status);
        Assert.Equal((error.Status, error.Title, error.Detail), (missing.Status, missing.Title, missing.Detail));
    }

    [Fact]
    public async Task Reading_a_record_that_is_not_visible_is_not_found_and_not_recorded_as_a_read()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync(ThreeNumbers);
        var record = (await Coordinator.ListRecordsAsync(dataset.Id)).Items[0];

        await Assert.ThrowsAsync<ConsortiumProblemException>(() => Server.ClientFor("carl@charlie").GetRecordAsync(record.Id));

        Assert.Empty((await Coordinator.ListAuditAsync(investigation.Id, action: AuditActions.RecordRead)).Items);
    }
}
