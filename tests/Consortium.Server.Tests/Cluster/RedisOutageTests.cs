using System.Net;

namespace Consortium.Server.Tests.Cluster;

/// <summary>Two nodes with a Redis of their own, which the test stops.</summary>
public sealed class OwnRedisNodes : ServerNodes
{
    protected override bool OwnRedis => true;

    // These nodes exercise the opt-in: keys in PostgreSQL, shared without a mounted folder.
    protected override bool KeysInDatabase => true;
}

[CollectionDefinition(Name)]
public sealed class OwnRedisNodesCollection : ICollectionFixture<OwnRedisNodes>
{
    public const string Name = "OwnRedisNodes";
}

/// <summary>Redis goes away in the middle of a burst of notes: HTTP serves on, and a live client converges from the feed.</summary>
[Collection(OwnRedisNodesCollection.Name)]
public sealed class RedisOutageTests(OwnRedisNodes nodes)
{
    [Fact]
    public async Task Without_Redis_notes_are_still_written_the_node_reports_degraded_and_a_client_on_the_other_node_converges_after_reconnecting()
    {
        var ines = nodes.ClientFor("ines@alpha", "a");
        var investigation = await ines.CreateInvestigationAsync(new NewInvestigation("Nightjar", "Redis away", ["bravo"]));
        var tom = await nodes.Accounts.AccountAsync("tom@bravo");
        await ines.AddMemberAsync(investigation.Id, new NewMember(tom.Email, InvestigationRole.Reporter));
        var dataset = await ines.CreateDatasetAsync(investigation.Id, new NewDataset("Selected numbers", ""));
        using (var csv = new MemoryStream("phone,country\n07700 900001,GB\n"u8.ToArray()))
        {
            await ines.ImportCsvAsync(dataset.Id, csv);
        }
        var record = (await ines.ListRecordsAsync(dataset.Id)).Items[0];
        await using var live = new LiveAnnotations(nodes.ClientFor("tom@bravo", "b"), investigation.Id);
        await live.StartAsync();

        var posted = new List<Guid>();
        for (var i = 0; i < 30; i++)
        {
            if (i == 10)
            {
                await nodes.Redis.StopProcessAsync();
                Assert.Equal((HttpStatusCode.OK, "Degraded"), await HealthUntilAsync("a", "Degraded"));
            }
            if (i == 20)
            {
                await nodes.Redis.StartProcessAsync();
            }
            // Every write succeeds with or without Redis: HTTP never depends on it.
            posted.Add((await ines.AddNoteAsync(record.Id, new NewNote($"Note {i}"))).Id);
        }

        Assert.Equal((HttpStatusCode.OK, "Healthy"), await HealthUntilAsync("a", "Healthy"));
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!posted.All(live.Annotations.ContainsKey))
        {
            Assert.True(DateTime.UtcNow < deadline, $"After two minutes the client holds {posted.Count(live.Annotations.ContainsKey)} of {posted.Count} notes.");
            await Task.Delay(200);
        }
        Assert.Equal(posted.Order(), live.Annotations.Keys.Order());
    }

    private async Task<(HttpStatusCode, string)> HealthUntilAsync(string node, string wanted)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            var health = await nodes.HealthAsync(node);
            if (health.Text == wanted || DateTime.UtcNow > deadline)
            {
                return health;
            }
            await Task.Delay(100);
        }
    }
}
