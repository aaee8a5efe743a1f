using System.Net;
using Consortium.Server.Tests.Audit;
using Microsoft.AspNetCore.SignalR.Client;

namespace Consortium.Server.Tests.Cluster;

[CollectionDefinition(Name)]
public sealed class TwoNodesCollection : ICollectionFixture<ServerNodes>
{
    public const string Name = "TwoNodes";
}

/// <summary>
/// Two server processes, one PostgreSQL, one Redis (decision 0029): what one node issues or commits holds on the other.
/// </summary>
[Collection(TwoNodesCollection.Name)]
public sealed class TwoNodeTests(ServerNodes nodes)
{
    private static readonly TimeSpan PushTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_note_posted_on_one_node_reaches_an_entitled_hub_client_on_the_other_and_an_outlet_only_one_does_not()
    {
        var record = await GivenRecordAsync();
        await using var partner = nodes.ClientFor("tom@bravo", "b").CreateHubConnection();
        var pushes = LivePushes.Items(partner, addedOnly: true);
        await partner.StartAsync();
        await partner.InvokeAsync(HubMethods.JoinRecord, record.Id);
        var ines = nodes.ClientFor("ines@alpha", "a");

        await ines.AddNoteAsync(record.Id, new NewNote("Our source says so.", Visibility.Outlet));
        var shared = await ines.AddNoteAsync(record.Id, new NewNote("Number confirmed by the carrier."));

        using var timeout = new CancellationTokenSource(PushTimeout);
        Assert.Equal(shared, await pushes.ReadAsync(timeout.Token));
        Assert.False(pushes.TryRead(out _));
    }

    [Fact]
    public async Task A_withdrawal_whose_Redis_message_is_lost_still_closes_the_connection_on_the_other_node_and_a_later_outlet_only_note_never_reaches_it()
    {
        var (investigation, record) = await GivenInvestigationAndRecordAsync();
        // Node c never publishes withdrawals to Redis (as if every publish were lost); annotations it still relays.
        await nodes.StartAsync("c", new Dictionary<string, string> { ["LiveUpdates__RelayWithdrawals"] = "false" });
        try
        {
            await using var marie = nodes.ClientFor("marie@alpha", "b").CreateHubConnection();
            var pushes = LivePushes.Items(marie, addedOnly: true);
            var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            marie.Closed += _ =>
            {
                closed.TrySetResult();
                return Task.CompletedTask;
            };
            await marie.StartAsync();
            await marie.InvokeAsync(HubMethods.JoinRecord, record.Id);
            var ines = nodes.ClientFor("ines@alpha", "c");
            var members = await ines.ListMembersAsync(investigation);
            var removed = members.Single(m => m.DisplayName == "Marie");

            await ines.RemoveMemberAsync(investigation, removed.UserId);
            // At once, before node b's periodic pass: relayed over Redis, it must still not reach her.
            await ines.AddNoteAsync(record.Id, new NewNote("Our source is the carrier's engineer.", Visibility.Outlet));

            using var timeout = new CancellationTokenSource(PushTimeout);
            await closed.Task.WaitAsync(timeout.Token);
            Assert.False(pushes.TryRead(out var leaked), $"Pushed after removal: {leaked?.Text}");
        }
        finally
        {
            await nodes.KillAsync("c");
        }
    }

    [Fact]
    public async Task A_viewer_on_one_node_is_in_the_presence_list_a_joiner_on_the_other_gets()
    {
        var record = await GivenRecordAsync();
        await using var viewer = nodes.ClientFor("marie@alpha", "a").CreateHubConnection();
        await viewer.StartAsync();
        await viewer.InvokeAsync(HubMethods.JoinRecord, record.Id);
        await using var joiner = nodes.ClientFor("tom@bravo", "b").CreateHubConnection();
        var lists = System.Threading.Channels.Channel.CreateUnbounded<PresenceView>();
        joiner.On<PresenceView>(nameof(IConsortiumClient.PresenceChanged), list => lists.Writer.TryWrite(list));
        await joiner.StartAsync();

        await joiner.InvokeAsync(HubMethods.JoinRecord, record.Id);

        using var timeout = new CancellationTokenSource(PushTimeout);
        var list = await lists.Reader.ReadAsync(timeout.Token);
        Assert.Equal(["Marie", "Tom"], list.Viewers.Select(v => v.DisplayName).Order());
    }

    [Fact]
    public async Task A_browser_session_and_a_token_issued_by_one_node_work_on_the_other()
    {
        // Signed in on node a (BaseAddress); cookies are not kept per port, so the same cookie goes to node b.
        using var browser = await nodes.Accounts.BrowserSessionAsync("marie@alpha");
        using var me = await browser.GetAsync(new Uri(nodes.Nodes["b"], "api/me"));
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);

        var token = await nodes.Accounts.AccessTokenAsync("marie@alpha");
        using var bearer = new HttpClient { BaseAddress = nodes.Nodes["b"] };
        bearer.DefaultRequestHeaders.Authorization = new("Bearer", token);
        using var answer = await bearer.GetAsync("api/me");
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        // And a forged one is still refused there: node b checks, it does not wave through.
        bearer.DefaultRequestHeaders.Authorization = new("Bearer", token[..^4] + "AAAA");
        using var forged = await bearer.GetAsync("api/me");
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
    }

    [Fact]
    public async Task Wrong_passwords_on_one_node_slow_the_address_down_on_the_other()
    {
        // Behind a load balancer without sticky sessions a guesser's attempts land on every node in turn.
        var account = await nodes.Accounts.AccountAsync("guessed@bravo");
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        for (var attempt = 0; attempt < 4; attempt++)
        {
            using var wrong = await nodes.Accounts.PostPasswordAsync(browser, account.Email, "wrong password " + attempt, nodes.Nodes[attempt % 2 == 0 ? "a" : "b"]);
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        }

        using var right = await nodes.Accounts.PostPasswordAsync(browser, account.Email, TestAccounts.Password, nodes.Nodes["b"]);

        Assert.Equal(HttpStatusCode.TooManyRequests, right.StatusCode);
        Assert.Contains("Too many failed attempts from here", await right.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Password_posts_from_one_address_count_towards_one_ceiling_on_every_node()
    {
        // A third node that allows 4 password posts a minute per address; a and b allow a million. The posts made to a
        // count on c: a spray of one password over many emails is not multiplied by the number of nodes.
        await nodes.StartAsync("c", new Dictionary<string, string> { ["RateLimits__SignInPerAddressPerMinute"] = "4" });
        try
        {
            // Counted in whole minutes: start with most of one left, so that all five posts fall in it.
            if (DateTime.UtcNow.Second > 30)
            {
                await Task.Delay(TimeSpan.FromSeconds(61 - DateTime.UtcNow.Second));
            }
            using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
            for (var i = 0; i < 4; i++)
            {
                // A different email each time: no email's own backoff comes into it.
                using var sprayed = await nodes.Accounts.PostPasswordAsync(browser, $"sprayed{i}@nowhere.test", "Summer2026!", nodes.Nodes["a"]);
                Assert.Equal(HttpStatusCode.OK, sprayed.StatusCode);
            }

            using var fifth = await nodes.Accounts.PostPasswordAsync(browser, "sprayed4@nowhere.test", "Summer2026!", nodes.Nodes["c"]);

            Assert.Equal(HttpStatusCode.TooManyRequests, fifth.StatusCode);
            Assert.NotNull(fifth.Headers.RetryAfter);
        }
        finally
        {
            await nodes.KillAsync("c");
        }
    }

    [Fact]
    public async Task Every_node_names_the_same_leader_for_each_singleton()
    {
        var fromA = await WaitForLeadersAsync("a", _ => true);
        var fromB = await nodes.NodesAsync("b");
        Assert.True(fromA.Clustered);
        Assert.Equal(("a", "b"), (fromA.Node, fromB.Node));
        Assert.Equal(["audit-sealer", "embargo-lift", "projection-daemon", "webhook-delivery"], fromA.Leaders.Keys.Order());
        Assert.All(fromA.Leaders.Values, leader => Assert.True(leader is "a" or "b", leader));
        Assert.Equal(fromA.Leaders, fromB.Leaders);
    }

    [Fact]
    public async Task An_import_cancelled_through_the_node_not_running_it_stops_at_a_committed_checkpoint_and_resumes_to_each_row_once()
    {
        const int rows = 80_000;
        var ines = nodes.ClientFor("ines@alpha", "a");
        var (datasetId, job) = await nodes.ImportRunningOnAAsync("Cancel across nodes", rows);

        var onB = nodes.ClientFor("ines@alpha", "b");
        var answer = await onB.CancelImportAsync(datasetId, job.Id);

        Assert.Equal(ImportStates.Cancelled, answer.State);
        // Node a stops at its next batch: the job stays cancelled, short of the end, with exactly the rows of its checkpoint
        // stored, and nothing more is written after that (read again two seconds later).
        var deadline = DateTime.UtcNow.AddMinutes(1);
        (string State, long RowsRead, int Imported, DateTimeOffset UpdatedAt, long Stored) settled = default;
        while (true)
        {
            var read = await onB.GetImportAsync(datasetId, job.Id);
            var now = (read.State, read.RowsRead, read.Imported, read.UpdatedAt, (await onB.GetDatasetAsync(datasetId)).RecordCount);
            if (now.State == ImportStates.Cancelled && now.RecordCount == now.Imported && now == settled)
            {
                break;
            }
            Assert.True(DateTime.UtcNow < deadline, $"The import did not stop: {now.State}, {now.RowsRead} rows read, {now.RecordCount} stored.");
            settled = now;
            await Task.Delay(2000);
        }
        Assert.InRange(settled.RowsRead, 1, rows - 1);
        // Node a, which ran it, says the same.
        var onA = await ines.GetImportAsync(datasetId, job.Id);
        Assert.Equal((ImportStates.Cancelled, settled.RowsRead), (onA.State, onA.RowsRead));

        var resumed = await onB.ResumeImportAsync(datasetId, job.Id, wait: true);

        Assert.Equal((ImportStates.Completed, rows, 0, 0), (resumed.State, resumed.Imported, resumed.Duplicates, resumed.Rejected));
        Assert.Equal(rows, (await ines.GetDatasetAsync(datasetId)).RecordCount);
    }

    private async Task<NodesView> WaitForLeadersAsync(string askedOf, Func<NodesView, bool> until)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            var view = await nodes.NodesAsync(askedOf);
            if (view.Leaders.Values.All(l => l is not null) && until(view))
            {
                return view;
            }
            Assert.True(DateTime.UtcNow < deadline, $"Leaders after a minute: {string.Join(", ", view.Leaders)}");
            await Task.Delay(200);
        }
    }

    private async Task<RecordView> GivenRecordAsync() => (await GivenInvestigationAndRecordAsync()).Record;

    private async Task<(Guid Investigation, RecordView Record)> GivenInvestigationAndRecordAsync()
    {
        var ines = nodes.ClientFor("ines@alpha", "a");
        var investigation = await ines.CreateInvestigationAsync(new NewInvestigation("Nightjar", "Two nodes", ["bravo"]));
        var tom = await nodes.Accounts.AccountAsync("tom@bravo");
        await ines.AddMemberAsync(investigation.Id, new NewMember(tom.Email, InvestigationRole.Reporter));
        var marie = await nodes.Accounts.AccountAsync("marie@alpha");
        await ines.AddMemberAsync(investigation.Id, new NewMember(marie.Email, InvestigationRole.Reporter));
        var dataset = await ines.CreateDatasetAsync(investigation.Id, new NewDataset("Selected numbers", ""));
        using var csv = new MemoryStream("phone,country\n07700 900001,GB\n"u8.ToArray());
        await ines.ImportCsvAsync(dataset.Id, csv);
        return (investigation.Id, (await ines.ListRecordsAsync(dataset.Id)).Items[0]);
    }
}
