using System.Net;
using System.Net.Http.Headers;
using Consortium.Server.Tests.Publication;

namespace Consortium.Server.Tests.Sync;

/// <summary>
/// The feed of every change against a hostile reader (decision 0026): a sync client whose credentials are revoked while
/// its stream or long poll is open, and an outlet reading the history of restrictions and compartments it was outside.
/// </summary>
[Collection(PublicationCollection.Name)]
public sealed class ChangeFeedAccessTests(PublicationServer server) : PublicationTest(server)
{
    private const string Records = "phone,country\n07700 900001,GB\n07700 900002,GB\n07700 900003,GB\n";

    [Fact]
    public async Task The_event_stream_of_a_deleted_sync_client_ends_and_carries_nothing_committed_after_the_revocation()
    {
        var (investigation, _) = await GivenInvestigationWithDatasetAsync(Records);
        var records = (await Ines.ListRecordsAsync((await Ines.ListDatasetsAsync(investigation.Id))[0].Id)).Items;
        var (clientId, token) = await SyncClientTokenAsync("adm@bravo");
        var tom = Server.ClientFor("tom@bravo");
        var before = (await tom.AddNoteAsync(records[0].Id, new NewNote("before the revocation"))).Id.ToString();

        using var http = new HttpClient { BaseAddress = Server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/changes?types=annotation&investigation={investigation.Id}");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, guard.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(guard.Token));
        // The stream is live: it delivers the note written before the revocation.
        while (await reader.ReadLineAsync(guard.Token) is { } line && !(line.StartsWith("data: ", StringComparison.Ordinal) && line.Contains(before, StringComparison.Ordinal)))
        {
        }

        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync("adm@bravo", HttpMethod.Delete, $"api/outlet/clients/{clientId}")).StatusCode);
        var after = (await tom.AddNoteAsync(records[0].Id, new NewNote("after the revocation"))).Id.ToString();

        // The stream ends (a stream that went on would run into the guard) without the later note.
        var rest = new List<string>();
        while (await reader.ReadLineAsync(guard.Token) is { } line)
        {
            rest.Add(line);
        }
        Assert.DoesNotContain(rest, l => l.Contains(after, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_long_poll_whose_sync_client_is_deleted_while_it_waits_answers_401_not_the_next_change()
    {
        var (investigation, _) = await GivenInvestigationWithDatasetAsync(Records);
        var records = (await Ines.ListRecordsAsync((await Ines.ListDatasetsAsync(investigation.Id))[0].Id)).Items;
        var (clientId, token) = await SyncClientTokenAsync("adm@bravo");
        var client = Server.ClientWithToken(token);
        var end = await client.ReadChangeFeedAsync(null, [ChangeFeedTypes.Annotation], investigation.Id);
        while (end.HasMore)
        {
            end = await client.ReadChangeFeedAsync(end.Cursor, [ChangeFeedTypes.Annotation], investigation.Id);
        }

        using var http = new HttpClient { BaseAddress = Server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/changes?types=annotation&investigation={investigation.Id}&after={end.Cursor}&wait=60");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var poll = http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync("adm@bravo", HttpMethod.Delete, $"api/outlet/clients/{clientId}")).StatusCode);
        await Server.ClientFor("tom@bravo").AddNoteAsync(records[0].Id, new NewNote("after the revocation"));

        using var response = await poll;
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task An_outlet_never_reads_whom_a_record_was_restricted_to_or_a_dataset_shared_with_while_it_was_outside()
    {
        var (investigation, _) = await GivenInvestigationWithDatasetAsync(Records);
        var records = (await Ines.ListRecordsAsync((await Ines.ListDatasetsAsync(investigation.Id))[0].Id)).Items;
        // Restricted to alpha and bravo, then released: lab reads the release, not the earlier restriction.
        await Ines.SetRecordRestrictionAsync(records[0].Id, new OutletRestriction(["bravo"]));
        await Ines.SetRecordRestrictionAsync(records[0].Id, new OutletRestriction(null));
        // Restricted to alpha and bravo, then opened to lab too: lab reads only the restriction that names it.
        await Ines.SetRecordRestrictionAsync(records[1].Id, new OutletRestriction(["bravo"]));
        await Ines.SetRecordRestrictionAsync(records[1].Id, new OutletRestriction(["bravo", "lab"]));
        // A compartment of alpha and bravo, later shared with lab: lab reads the sharing, not the compartment before it.
        var dataset = await Ines.CreateDatasetAsync(investigation.Id, new NewDataset("Bank transfers", "", ["bravo"]));
        await Ines.SetCompartmentAsync(dataset.Id, new OutletRestriction(["bravo", "lab"]));
        var marker = (await Ines.AddNoteAsync(records[2].Id, new NewNote("marker"))).Id.ToString();

        var lab = await SyncClientAsync("adm@lab");
        var read = await ReadUntilAsync(lab, investigation.Id, all => all.Any(e => e.ObjectId == marker));

        var restrictions = read.Where(e => e.Type == ChangeFeedTypes.Restriction).ToList();
        Assert.Contains(restrictions, e => e.ObjectId == records[0].Id.ToString() && e.Change == "released");
        Assert.Contains(restrictions, e => e.ObjectId == records[1].Id.ToString());
        // Lab reads that it is let in, not who else is (nor who was before it).
        Assert.All(restrictions, e => Assert.True(e.Object.GetProperty("outletIds").ValueKind == System.Text.Json.JsonValueKind.Null
            || e.Object.GetProperty("outletIds").EnumerateArray().Select(o => o.GetString()).SequenceEqual(["lab"]), e.Object.ToString()));
        var shared = read.Where(e => e.Type == ChangeFeedTypes.Dataset && e.ObjectId == dataset.Id.ToString()).ToList();
        Assert.NotEmpty(shared);
        Assert.All(shared, e => Assert.Contains("lab", e.Object.GetProperty("sharedWithOutletIds").EnumerateArray().Select(o => o.GetString())));
        // bravo, inside all along, reads every step.
        var bravo = await ReadUntilAsync(await SyncClientAsync("adm@bravo"), investigation.Id, all => all.Any(e => e.ObjectId == marker));
        Assert.Equal(4, bravo.Count(e => e.Type == ChangeFeedTypes.Restriction));
        Assert.Equal(2, bravo.Count(e => e.ObjectId == dataset.Id.ToString()));
        Assert.All(bravo.Where(e => e.Type == ChangeFeedTypes.Restriction && e.Change == "restricted"),
            e => Assert.Equal(["bravo"], e.Object.GetProperty("outletIds").EnumerateArray().Select(o => o.GetString())));
        // The coordinator who restricts reads whom each restriction names.
        var coordinator = await ReadUntilAsync(Ines, investigation.Id, all => all.Any(e => e.ObjectId == marker));
        Assert.Contains(coordinator, e => e.Type == ChangeFeedTypes.Restriction && e.ObjectId == records[1].Id.ToString()
            && e.Object.GetProperty("outletIds").EnumerateArray().Select(o => o.GetString()).Order().SequenceEqual(["alpha", "bravo", "lab"]));
    }

    private async Task<(string ClientId, string Token)> SyncClientTokenAsync(string admin)
    {
        await Server.Accounts.AccountAsync(admin, outletAdmin: true);
        var credentials = await Server.ClientFor(admin).RegisterSyncClientAsync(new NewSyncClient($"{admin} stream"));
        using var http = new HttpClient { BaseAddress = Server.BaseAddress };
        using var tokens = new ClientCredentialsTokens(http, credentials.ClientId, credentials.ClientSecret);
        return (credentials.ClientId, (await tokens.GetAsync(CancellationToken.None))!);
    }

    private async Task<ConsortiumClient> SyncClientAsync(string admin)
    {
        var (_, token) = await SyncClientTokenAsync(admin);
        return Server.ClientWithToken(token);
    }

    /// <summary>Reads the whole feed again until <paramref name="done"/>: an older transaction anywhere in the cluster holds changes back.</summary>
    private static async Task<List<ChangeFeedEntry>> ReadUntilAsync(ConsortiumClient client, Guid investigationId, Func<List<ChangeFeedEntry>, bool> done)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var all = new List<ChangeFeedEntry>();
            await foreach (var entry in client.SyncAsync(new SyncOptions { InvestigationId = investigationId, PageSize = 11 }, timeout.Token))
            {
                all.Add(entry);
            }
            if (done(all))
            {
                return all;
            }
            await Task.Delay(100, timeout.Token);
        }
    }
}
