namespace Consortium.Server.Tests.Audit;

/// <summary>
/// Issue 17, item 1: the audit log is read by the investigation's coordinators, who belong to one outlet; an entry
/// never tells them more than they may see elsewhere.
/// </summary>
[Collection(AuditCollection.Name)]
public sealed class AuditOutletWallTests(ConsortiumServer server) : ServerTest(server)
{
    private const string ThreeNumbers = "phone,country\n07700 900001,GB\n07700 900002,GB\n07700 900003,GB\n";

    private ConsortiumClient Coordinator => Server.ClientFor("ines@alpha");

    [Fact]
    public async Task Coordinator_reads_neither_the_verdict_of_another_outlets_outlet_only_verification_nor_a_colleagues_private_note()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync(ThreeNumbers);
        await GivenMemberAsync(investigation.Id, "ana@lab", InvestigationRole.Analyst);
        var analyst = Server.ClientFor("ana@lab");
        var record = (await analyst.ListRecordsAsync(dataset.Id)).Items[0];
        var verification = await analyst.AddAnnotationAsync(record.Id, new NewAnnotation(AnnotationKinds.Verification, Visibility: Visibility.Outlet));
        await analyst.MoveVerificationAsync(verification.Id, verification.Version, new VerificationChange(VerificationStates.Identified));
        var privateNote = await Server.ClientFor("marie@alpha").AddNoteAsync(record.Id, new NewNote("my private hunch", Visibility.Private));
        var outletNote = await Server.ClientFor("marie@alpha").AddNoteAsync(record.Id, new NewNote("our lead", Visibility.Outlet));

        var entries = (await Coordinator.ListAuditAsync(investigation.Id)).Items;

        var aboutVerification = entries.Where(e => e.TargetId == verification.Id.ToString()).ToList();
        Assert.Equal([AuditActions.AnnotationChanged, AuditActions.AnnotationAdded], aboutVerification.Select(e => e.Action));
        Assert.All(aboutVerification, e => Assert.Equal(("verification, visibility outlet", null, null), (e.Detail, e.Hash, e.PreviousHash)));
        var aboutPrivate = Assert.Single(entries, e => e.TargetId == privateNote.Id.ToString());
        Assert.Equal("note, visibility private", aboutPrivate.Detail);
        // What the coordinator may read is shown as it was recorded.
        var aboutOutletNote = Assert.Single(entries, e => e.TargetId == outletNote.Id.ToString());
        Assert.Equal($"note on record {record.Id}, visibility outlet", aboutOutletNote.Detail);
        Assert.DoesNotContain(entries, e => e.Detail?.Contains("identified", StringComparison.Ordinal) == true);
        await NoListedHashGivesAwayAWithheldEntryAsync(Coordinator, entries);
    }

    [Fact]
    public async Task Coordinator_sees_that_another_outlet_searched_and_read_but_not_for_what_nor_which_record()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync(ThreeNumbers);
        var tom = Server.ClientFor("tom@bravo");
        var record = (await tom.ListRecordsAsync(dataset.Id)).Items[1];
        await tom.ListRecordsAsync(dataset.Id, phoneDigits: "900002");
        await tom.SearchAsync(dataset.Id, phone: "7700900003");
        await tom.SearchInvestigationAsync(investigation.Id, new SearchQuery(Tag: "minister"));
        await tom.GetRecordAsync(record.Id);
        // A colleague of the coordinator's own outlet: shown in full.
        await Server.ClientFor("marie@alpha").SearchAsync(dataset.Id, phone: "900001");

        var entries = (await Coordinator.ListAuditAsync(investigation.Id)).Items;

        var bravoId = (await Server.Accounts.AccountAsync("tom@bravo")).Id;
        var bravoReads = entries.Where(e => e.ActorUserId == bravoId && e.Action is AuditActions.RecordsSearched or AuditActions.RecordRead).ToList();
        Assert.Equal(4, bravoReads.Count);
        Assert.All(bravoReads, e => Assert.Equal(("withheld: another outlet's terms", null), (e.Detail, e.Hash)));
        Assert.Null(Assert.Single(bravoReads, e => e.Action == AuditActions.RecordRead).TargetId);
        var json = System.Text.Json.JsonSerializer.Serialize(entries);
        foreach (var term in new[] { "900002", "7700900003", "minister", record.Id.ToString() })
        {
            Assert.DoesNotContain(term, json, StringComparison.Ordinal);
        }
        var marieId = (await Server.Accounts.AccountAsync("marie@alpha")).Id;
        Assert.Contains(entries, e => e.ActorUserId == marieId && e.Action == AuditActions.RecordsSearched && e.Detail!.Contains("900001", StringComparison.Ordinal));
        await NoListedHashGivesAwayAWithheldEntryAsync(Coordinator, entries);
    }

    [Fact]
    public async Task Coordinator_of_an_outlet_outside_a_compartment_or_restriction_sees_who_acted_when_but_no_name_target_or_detail()
    {
        // A dataset compartmented to alpha, created, imported into and re-compartmented by alpha's coordinator.
        var (investigation, secret) = await GivenInvestigationWithDatasetAsync(ThreeNumbers, compartment: ["alpha"]);
        var alpha = Server.ClientFor("ines@alpha");
        await alpha.SetCompartmentAsync(secret.Id, new OutletRestriction(["alpha", "lab"]));
        // A dataset every outlet sees, with one record restricted to alpha.
        var open = await alpha.CreateDatasetAsync(investigation.Id, new NewDataset("Open numbers", ""));
        using (var stream = Csv(ThreeNumbers))
        {
            await alpha.ImportCsvAsync(open.Id, stream);
        }
        var source = (await alpha.ListRecordsAsync(open.Id)).Items[0];
        await alpha.SetRecordRestrictionAsync(source.Id, new OutletRestriction(["alpha"]));
        await alpha.GetRecordAsync(source.Id);
        await GivenMemberAsync(investigation.Id, "tom.ellery@bravo", InvestigationRole.Coordinator);
        var bravo = Server.ClientFor("tom.ellery@bravo");
        // What bravo's coordinator may not open through the API, the audit log does not name either.
        await Assert.ThrowsAsync<ConsortiumProblemException>(() => bravo.GetDatasetAsync(secret.Id));
        await Assert.ThrowsAsync<ConsortiumProblemException>(() => bravo.GetRecordAsync(source.Id));

        var entries = (await bravo.ListAuditAsync(investigation.Id)).Items;

        var inesId = (await Server.Accounts.AccountAsync("ines@alpha")).Id;
        var aboutSecret = entries.Where(e => e.Action is AuditActions.DatasetCreated or AuditActions.ImportStarted or AuditActions.RecordsImported or AuditActions.GrantAdded
            && e.TargetType == "dataset" && e.TargetId is null).ToList();
        // Created, import started, imported, compartment changed: each is there, by whom and when, but about nothing named.
        Assert.Equal([AuditActions.GrantAdded, AuditActions.RecordsImported, AuditActions.ImportStarted, AuditActions.DatasetCreated], aboutSecret.Select(e => e.Action));
        Assert.All(aboutSecret, e => Assert.Equal("withheld: outside your outlet's access", e.Detail));
        Assert.Equal(inesId, aboutSecret[^1].ActorUserId);
        var restriction = Assert.Single(entries, e => e.Action == AuditActions.GrantRevoked && e.TargetType == "record");
        Assert.Equal((null, "withheld: outside your outlet's access", inesId), (restriction.TargetId, restriction.Detail, restriction.ActorUserId));
        var json = System.Text.Json.JsonSerializer.Serialize(entries);
        foreach (var secretText in new[] { secret.Id.ToString(), "Selected numbers", source.Id.ToString(), "restricted to", "compartment:" })
        {
            Assert.DoesNotContain(secretText, json, StringComparison.Ordinal);
        }
        // The open dataset is shown as recorded.
        var created = Assert.Single(entries, e => e.Action == AuditActions.DatasetCreated && e.TargetId == open.Id.ToString());
        Assert.StartsWith("Open numbers;", created.Detail, StringComparison.Ordinal);
        // Alpha's coordinator, inside both, reads all of it.
        var full = System.Text.Json.JsonSerializer.Serialize((await alpha.ListAuditAsync(investigation.Id)).Items);
        Assert.Contains("Selected numbers", full, StringComparison.Ordinal);
        Assert.Contains($"restricted to alpha", full, StringComparison.Ordinal);
        await NoListedHashGivesAwayAWithheldEntryAsync(bravo, entries);
    }

    /// <summary>
    /// A hash is a function of every entry before it: the next entry's previous hash is the withheld entry's own hash,
    /// and a record id or phone number has few enough candidates to find again from it. So no hash is listed at all.
    /// </summary>
    private async Task NoListedHashGivesAwayAWithheldEntryAsync(ConsortiumClient coordinator, IReadOnlyList<AuditEntryView> entries)
    {
        await AuditDatabase.WaitUntilSealedAsync(Server.ConnectionString);
        var withheld = entries.Where(e => e.Detail?.StartsWith("withheld", StringComparison.Ordinal) == true || System.Text.RegularExpressions.Regex.IsMatch(e.Detail ?? "", "^[a-z]+, visibility [a-z]+$")).ToList();
        Assert.NotEmpty(withheld);
        // Each withheld entry is sealed in the chain: its hash exists, and is what the listing must not give away.
        foreach (var entry in withheld)
        {
            Assert.NotNull((await AuditDatabase.SealedEntryAsync(Server.ConnectionString, entry.Index)).Hash);
        }
        var listed = (await coordinator.ListAuditAsync(entries[0].InvestigationId!.Value)).Items;
        Assert.All(listed, e => Assert.Equal((null, null), (e.Hash, e.PreviousHash)));
        Assert.All(listed, e => Assert.NotNull(e.Position));
    }
}
