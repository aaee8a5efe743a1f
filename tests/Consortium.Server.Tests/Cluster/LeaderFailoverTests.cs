using System.Threading.Channels;
using Consortium.Server.Tests.Audit;
using Microsoft.AspNetCore.SignalR.Client;

namespace Consortium.Server.Tests.Cluster;

[CollectionDefinition(Name)]
public sealed class FailoverNodesCollection : ICollectionFixture<ServerNodes>
{
    public const string Name = "FailoverNodes";
}

/// <summary>Kill the node that leads: the other takes every singleton over, and the audit chain goes on unbroken.</summary>
[Collection(FailoverNodesCollection.Name)]
public sealed class LeaderFailoverTests(ServerNodes nodes)
{
    [Fact]
    public async Task When_the_leading_node_is_killed_the_other_takes_over_seals_on_without_a_gap_or_a_double_and_its_viewers_leave()
    {
        var before = await nodes.LeadersAsync("a", view => view.Leaders.Values.All(l => l is not null));
        var leader = before.Leaders["audit-sealer"]!;
        var survivor = leader == "a" ? "b" : "a";
        var ines = nodes.ClientFor("ines@alpha", survivor);
        // Audited work before the kill, sealed by the leader.
        var investigation = await ines.CreateInvestigationAsync(new NewInvestigation("Nightjar", "Before the kill", ["bravo"]));
        await AuditDatabase.WaitUntilSealedAsync(nodes.ConnectionString);
        // Someone looks at a record from the node about to die, someone else from the survivor.
        var marie = await nodes.Accounts.AccountAsync("marie@alpha");
        await ines.AddMemberAsync(investigation.Id, new NewMember(marie.Email, InvestigationRole.Reporter));
        var tom = await nodes.Accounts.AccountAsync("tom@bravo");
        await ines.AddMemberAsync(investigation.Id, new NewMember(tom.Email, InvestigationRole.Reporter));
        var dataset = await ines.CreateDatasetAsync(investigation.Id, new NewDataset("Selected numbers", ""));
        using (var csv = new MemoryStream("phone,country\n07700 900001,GB\n"u8.ToArray()))
        {
            await ines.ImportCsvAsync(dataset.Id, csv);
        }
        var record = (await ines.ListRecordsAsync(dataset.Id)).Items[0];
        var viewer = nodes.ClientFor("marie@alpha", leader).CreateHubConnection();
        await viewer.StartAsync();
        await viewer.InvokeAsync(HubMethods.JoinRecord, record.Id);
        await using var watcher = nodes.ClientFor("tom@bravo", survivor).CreateHubConnection();
        var left = Channel.CreateUnbounded<PresenceChange>();
        watcher.On<PresenceChange>(nameof(IConsortiumClient.ViewerLeft), change => left.Writer.TryWrite(change));
        await watcher.StartAsync();
        await watcher.InvokeAsync(HubMethods.JoinRecord, record.Id);

        await nodes.KillAsync(leader);
        try
        {
            await AfterTheKillAsync();
        }
        finally
        {
            // The other test of this collection needs two nodes again.
            await nodes.StartAsync(leader);
        }

        async Task AfterTheKillAsync()
        {
            // Every singleton passes to the survivor (the wait is generous; timing goals belong to the benchmark).
            var after = await nodes.LeadersAsync(survivor, view => view.Leaders.Values.All(l => l == survivor));
            Assert.All(after.Leaders.Values, l => Assert.Equal(survivor, l));
            // Audited work after the kill is sealed by the survivor, and the whole chain verifies: nothing lost, nothing twice.
            await ines.CreateDatasetAsync(investigation.Id, new NewDataset("After the kill", ""));
            await ines.GetInvestigationAsync(investigation.Id);
            await AuditDatabase.WaitUntilSealedAsync(nodes.ConnectionString);
            var (exitCode, output) = await AuditDatabase.VerifyWithoutKeyAsync(nodes.ConnectionString, "--key-file", nodes.AuditKeyFile);
            Assert.True(exitCode == 0, output);
            // The dead node's viewer leaves the survivor's presence (its entries expire with the node's heartbeat).
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            Assert.Equal((record.Id, marie.Id), await left.Reader.ReadAsync(timeout.Token) is var gone ? (gone.RecordId, gone.UserId) : default);
            await viewer.DisposeAsync();
        }
    }

    [Fact]
    public async Task An_import_whose_node_is_killed_is_resumed_by_the_other_from_its_checkpoint_and_stores_each_row_once()
    {
        const int rows = 80_000;
        // Node a has committed some batches of the job: kill it in the middle.
        var (datasetId, job) = await nodes.ImportRunningOnAAsync("Import hand-over", rows);
        await nodes.KillAsync("a");
        try
        {
            var onB = nodes.ClientFor("ines@alpha", "b");
            var interrupted = await onB.GetImportAsync(datasetId, job.Id);
            Assert.False(interrupted.IsFinished, "The import finished before its node was killed: nothing to hand over.");
            var deadline = DateTime.UtcNow.AddMinutes(3);
            ImportJobView finished;
            while (!(finished = await onB.GetImportAsync(datasetId, job.Id)).IsFinished)
            {
                Assert.True(DateTime.UtcNow < deadline, $"Node b did not finish the import: {finished.State}, {finished.RowsRead} rows read.");
                await Task.Delay(200);
            }
            // Resumed after the last committed batch, not from the start: no row counted as a duplicate of itself.
            Assert.Equal((ImportStates.Completed, rows, 0, 0), (finished.State, finished.Imported, finished.Duplicates, finished.Rejected));
            Assert.Equal(rows, (await onB.GetDatasetAsync(datasetId)).RecordCount);
        }
        finally
        {
            await nodes.StartAsync("a");
        }
    }
}
