using System.Text.Json.Nodes;
using Consortium.Server.Tests.Publication;

namespace Consortium.Server.Tests.Sync;

/// <summary>
/// The feed writes an annotation's view straight from its stored JSON (issue 19's catch-up speed): it must be the very
/// JSON the REST read answers for the same caller, for every kind and state of annotation.
/// </summary>
[Collection(PublicationCollection.Name)]
public sealed class ChangeFeedViewTests(PublicationServer server) : PublicationTest(server)
{
    [Fact]
    public async Task Every_annotation_in_the_feed_is_the_same_json_as_its_rest_read_for_the_same_caller()
    {
        var (investigation, _, _) = await GivenPlanAsync(csv: "phone,country\n07700 900001,GB\n07700 900002,GB\n");
        var record = (await Ines.ListRecordsAsync((await Ines.ListDatasetsAsync(investigation.Id))[0].Id)).Items[0];
        var note = await Ines.AddNoteAsync(record.Id, new NewNote("A \"quoted\" <b>word</b>, é, ✓ and a\nnew line, @tom"));
        var partners = await Ines.AddNoteAsync(record.Id, new NewNote("For bravo too", Visibility.Partners, ["bravo"]));
        var identification = await Ines.AddAnnotationAsync(record.Id, new NewAnnotation(AnnotationKinds.Identification, "Seen twice", Tag: "minister",
            Identification: new IdentificationView("A. Person", "Minister", "", "high", ["leak row 2", "court file"])));
        var verification = await Ines.AddAnnotationAsync(record.Id, new NewAnnotation(AnnotationKinds.Verification));
        verification = await Ines.MoveVerificationAsync(verification.Id, verification.Version, new VerificationChange(VerificationStates.Identified));
        var comment = await Ines.AddAnnotationAsync(record.Id, new NewAnnotation(AnnotationKinds.Comment, "Agreed", ParentId: note.Id));
        var retracted = await Ines.AddNoteAsync(record.Id, new NewNote("Wrong record"));
        retracted = await Ines.RetractAnnotationAsync(retracted.Id, retracted.Version, "a typo");
        var versions = new[] { note, partners, identification, verification, comment, retracted }.ToDictionary(a => a.Id, a => a.Version);
        var ids = versions.Keys.ToArray();
        Assert.True(retracted.Retracted);

        // A person reads as themselves: the verification names the steps they may take, as over REST.
        var feed = await LatestAsync(Ines, investigation.Id, versions);
        foreach (var id in ids)
        {
            var rest = JsonNode.Parse(await RawAsync(Ines, $"api/annotations/{id}"))!;
            var entry = JsonNode.Parse(feed[id].GetRawText())!;
            Assert.True(JsonNode.DeepEquals(rest, entry), $"{id}: REST {rest.ToJsonString()} but feed {entry.ToJsonString()}");
        }

        // A sync client reads as its outlet: the same view, with no steps of anyone's (eva reads the REST view for bravo).
        var bravo = await SyncClientOfAsync("adm@bravo");
        var bravoFeed = await LatestAsync(bravo, investigation.Id, versions);
        var eva = Server.ClientFor("eva@bravo");
        foreach (var id in ids)
        {
            var rest = JsonNode.Parse(await RawAsync(eva, $"api/annotations/{id}"))!;
            if (rest["verification"] is JsonObject steps)
            {
                steps["allowedNextStates"] = null;
            }
            var entry = JsonNode.Parse(bravoFeed[id].GetRawText())!;
            Assert.True(JsonNode.DeepEquals(rest, entry), $"{id}: REST {rest.ToJsonString()} but feed {entry.ToJsonString()}");
        }
        Assert.DoesNotContain("retractedReason", bravoFeed[retracted.Id].GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_page_with_entries_a_sync_client_reads_is_audited_before_it_is_served()
    {
        var (investigation, _, _) = await GivenPlanAsync(csv: "phone,country\n07700 900001,GB\n");
        var record = (await Ines.ListRecordsAsync((await Ines.ListDatasetsAsync(investigation.Id))[0].Id)).Items[0];
        var versions = new Dictionary<Guid, long>();
        for (var i = 0; i < 7; i++)
        {
            var note = await Ines.AddNoteAsync(record.Id, new NewNote($"note {i}"));
            versions[note.Id] = note.Version;
        }
        await Server.Accounts.AccountAsync("adm@bravo", outletAdmin: true);
        var credentials = await Server.ClientFor("adm@bravo").RegisterSyncClientAsync(new NewSyncClient("audited sync"));
        var http = new HttpClient { BaseAddress = Server.BaseAddress };
        var bravo = new ConsortiumClient(http, new ClientCredentialsTokens(http, credentials.ClientId, credentials.ClientSecret).GetAsync);
        await LatestAsync(bravo, investigation.Id, versions);

        var before = await ChangesReadByAsync(investigation.Id, credentials.ClientId);
        var pages = new List<int>();
        string? cursor = null;
        do
        {
            var page = await bravo.ReadChangeFeedAsync(cursor, [ChangeFeedTypes.Annotation], investigation.Id, limit: 3);
            pages.Add(page.Items.Count);
            cursor = page.HasMore ? page.Cursor : null;
            // Each answer came after its entry committed: it is listed at once, no waiting.
            Assert.Equal(pages.Count(n => n > 0), (await ChangesReadByAsync(investigation.Id, credentials.ClientId)).Count - before.Count);
        }
        while (cursor is not null);
        Assert.Equal([3, 3, 1], pages);
        var entries = (await ChangesReadByAsync(investigation.Id, credentials.ClientId)).Take(3).Reverse().ToList();
        Assert.Equal(["3 changes after", "3 changes after", "1 changes after"], entries.Select(e => e.Detail!).Select(d => d[..d.LastIndexOf(' ')]));
    }

    private async Task<IReadOnlyList<AuditEntryView>> ChangesReadByAsync(Guid investigationId, string clientId) =>
        (await Ines.ListAuditAsync(investigationId, AuditActions.ChangesRead, limit: 500)).Items.Where(e => e.Client == clientId).ToList();

    private static async Task<string> RawAsync(ConsortiumClient client, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Each annotation's latest entry, once all of them are in the feed (it holds back rows of transactions still open anywhere).</summary>
    private static async Task<Dictionary<Guid, System.Text.Json.JsonElement>> LatestAsync(ConsortiumClient client, Guid investigationId, Dictionary<Guid, long> versions)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var latest = new Dictionary<Guid, System.Text.Json.JsonElement>();
            await foreach (var entry in client.SyncAsync(new SyncOptions { InvestigationId = investigationId, Types = [ChangeFeedTypes.Annotation], PageSize = 3 }, timeout.Token))
            {
                latest[Guid.Parse(entry.ObjectId)] = entry.Object;
            }
            if (versions.All(v => latest.TryGetValue(v.Key, out var o) && o.GetProperty("version").GetInt64() == v.Value))
            {
                return latest;
            }
            await Task.Delay(100, timeout.Token);
        }
    }

    private async Task<ConsortiumClient> SyncClientOfAsync(string admin)
    {
        await Server.Accounts.AccountAsync(admin, outletAdmin: true);
        var credentials = await Server.ClientFor(admin).RegisterSyncClientAsync(new NewSyncClient($"{admin} sync"));
        var http = new HttpClient { BaseAddress = Server.BaseAddress };
        return new ConsortiumClient(http, new ClientCredentialsTokens(http, credentials.ClientId, credentials.ClientSecret).GetAsync);
    }
}
