using System.Globalization;
using System.Net;
using Consortium.Server.Tests.Audit;
using Npgsql;

namespace Consortium.Server.Tests.Cluster;

/// <summary>
/// The embargo desk survives its node: the node leading <c>embargo-lift</c> is killed a few seconds before a wave's
/// instant, and the other node takes the role and lifts it at the instant, once, never early (decisions 0024, 0029).
/// </summary>
[Collection(FailoverNodesCollection.Name)]
public sealed class EmbargoLiftFailoverTests(ServerNodes nodes)
{
    // Time enough to plan, lock and kill before the instant, even on a busy machine; the test waits this long for it.
    private static readonly TimeSpan Headroom = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_due_lift_whose_leading_node_is_killed_before_the_instant_is_lifted_once_by_the_other_node_and_not_early()
    {
        var leaders = await nodes.LeadersAsync("a", view => view.Leaders["embargo-lift"] is not null);
        var leader = leaders.Leaders["embargo-lift"]!;
        var survivor = leader == "a" ? "b" : "a";
        // People of this test only: their tokens are fresh, so locking (which needs a recent sign-in) is allowed.
        var cora = nodes.ClientFor("cora@alpha", leader);
        var investigation = await cora.CreateInvestigationAsync(new NewInvestigation("Nightjar", "Lift on failover", ["bravo"]));
        await cora.AddMemberAsync(investigation.Id, new NewMember((await nodes.Accounts.AccountAsync("leo@alpha")).Email, InvestigationRole.Coordinator));
        await cora.AddMemberAsync(investigation.Id, new NewMember((await nodes.Accounts.AccountAsync("noor@bravo")).Email, InvestigationRole.Reporter));
        var dataset = await cora.CreateDatasetAsync(investigation.Id, new NewDataset("Selected numbers", ""));
        using (var csv = new MemoryStream("phone,country\n07700 900001,GB\n"u8.ToArray()))
        {
            await cora.ImportCsvAsync(dataset.Id, csv);
        }
        var record = (await cora.ListRecordsAsync(dataset.Id)).Items[0];

        // The instant on the database's clock, the one the lift decides by, to the second.
        var instant = await DatabaseNowAsync() + Headroom;
        instant = new DateTimeOffset(instant.Ticks - instant.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        var wave = await cora.CreateWaveAsync(investigation.Id, new NewWave("Wave 1",
            new EmbargoInput(instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture), "UTC")));
        var story = await cora.CreateStoryAsync(investigation.Id, new NewStory(wave.Id, "The spyware", "Who was selected", "alpha", ["bravo"],
            new StoryMaterial([record.Id])));
        // Within the confirmation margin a lock takes two coordinators.
        wave = await cora.LockEmbargoAsync(wave.Id);
        if (wave.Embargo.State == EmbargoStates.Draft)
        {
            wave = await nodes.ClientFor("leo@alpha", leader).LockEmbargoAsync(wave.Id);
        }
        Assert.Equal((EmbargoStates.Locked, instant), (wave.Embargo.State, wave.Embargo.Utc));
        var noor = nodes.ClientFor("noor@bravo", survivor);
        var refused = await Assert.ThrowsAsync<ConsortiumProblemException>(() => noor.GetPackageAsync(story.Id, "csv"));
        Assert.Equal((HttpStatusCode.Forbidden, "Under embargo"), (refused.Status, refused.Title));

        // The node that would lift it dies outright, before the instant.
        Assert.Equal(leader, (await nodes.NodesAsync(survivor)).Leaders["embargo-lift"]);
        await nodes.KillAsync(leader);
        try
        {
            var killedAt = await DatabaseNowAsync();
            Assert.True(killedAt < instant, $"The setup took so long that the instant ({instant:O}) had passed at the kill ({killedAt:O}): nothing to hand over.");
            await AfterTheKillAsync();
        }
        finally
        {
            // The other tests of this collection need two nodes again.
            await nodes.StartAsync(leader);
        }

        async Task AfterTheKillAsync()
        {
            var cora = nodes.ClientFor("cora@alpha", survivor);
            await nodes.LeadersAsync(survivor, view => view.Leaders["embargo-lift"] == survivor);
            var deadline = DateTime.UtcNow + Headroom + TimeSpan.FromMinutes(2);
            WaveView lifted;
            while ((lifted = await cora.GetWaveAsync(wave.Id)).Embargo.State != EmbargoStates.Lifted)
            {
                Assert.True(DateTime.UtcNow < deadline, $"The wave is still {lifted.Embargo.State} two minutes after its instant.\n{nodes.LogOf(survivor)}");
                await Task.Delay(200);
            }
            // Never early: the lift's own instant and its commit, both on the database's clock, are at or after the embargo's.
            Assert.True(lifted.Embargo.LiftedAt >= instant, $"Lifted at {lifted.Embargo.LiftedAt:O}, before the instant {instant:O}.");
            var (count, firstCommit) = await LiftEventsAsync(wave.Id);
            Assert.Equal(1, count);
            Assert.True(firstCommit >= instant, $"The lift committed at {firstCommit:O}, before the instant {instant:O}.");
            // The package is served to the partner now, with its record.
            var package = await noor.GetPackageAsync(story.Id, "csv");
            Assert.Equal(2, package.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
            Assert.Equal(StoryStates.Published, (await noor.GetStoryAsync(story.Id)).State);
            // Audited once, and the chain (sealed on by the survivor) verifies: nothing lost, nothing twice.
            await AuditDatabase.WaitUntilSealedAsync(nodes.ConnectionString);
            Assert.Single((await cora.ListAuditAsync(investigation.Id, action: "publication.embargo-lifted")).Items);
            var (exitCode, output) = await AuditDatabase.VerifyWithoutKeyAsync(nodes.ConnectionString, "--key-file", nodes.AuditKeyFile);
            Assert.True(exitCode == 0, output);
            // Later rounds of the new leader find nothing more to lift.
            Assert.Equal(1, (await LiftEventsAsync(wave.Id)).Count);
        }
    }

    private async Task<DateTimeOffset> DatabaseNowAsync() =>
        new(DateTime.SpecifyKind((DateTime)(await AuditDatabase.ScalarAsync(nodes.ConnectionString, "select clock_timestamp()"))!, DateTimeKind.Utc));

    private async Task<(long Count, DateTimeOffset? FirstCommit)> LiftEventsAsync(Guid waveId)
    {
        await using var connection = new NpgsqlConnection(nodes.ConnectionString);
        await connection.OpenAsync();
        // mt_events.timestamp is the appending transaction's time on the database's clock.
        await using var command = new NpgsqlCommand(
            "select count(*), min(timestamp) from consortium.mt_events where stream_id = $1 and type = 'publication_embargo_lifted'", connection)
        {
            Parameters = { new() { Value = waveId } },
        };
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1));
    }
}
