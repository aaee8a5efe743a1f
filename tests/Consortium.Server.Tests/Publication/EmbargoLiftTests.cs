using System.Net;
using Consortium.Server.Publication;
using Consortium.Server.Storage;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Consortium.Server.Tests.Publication;

[Collection(PublicationCollection.Name)]
public sealed class EmbargoLiftTests(PublicationServer server) : PublicationTest(server)
{
    [Fact]
    public async Task Two_servers_racing_for_the_instant_lift_it_exactly_once_and_never_a_moment_early()
    {
        var (investigation, wave, _) = await GivenPlanAsync(inHours: 5);
        var first = await Server.StartLiftingNodeAsync();
        var second = await Server.StartLiftingNodeAsync();
        try
        {
            Server.Clock.Set(wave.Embargo.Utc.AddMilliseconds(-1));
            await BothRoundsAsync(first, second);
            Assert.Equal(EmbargoStates.Locked, (await Ines.GetWaveAsync(wave.Id)).Embargo.State);

            Server.Clock.Set(wave.Embargo.Utc);
            await BothRoundsAsync(first, second);
            await BothRoundsAsync(first, second);

            var lifted = await Ines.GetWaveAsync(wave.Id);
            Assert.Equal(EmbargoStates.Lifted, lifted.Embargo.State);
            Assert.Equal(wave.Embargo.Utc, lifted.Embargo.LiftedAt);
            Assert.Equal(1, await LiftEventsAsync(wave.Id));
            Assert.Single(await LiftAuditAsync(investigation.Id));
            Assert.Equal(StoryStates.Published, (await Ines.ListStoriesAsync()).Single().State);
        }
        finally
        {
            await ((IAsyncLifetime)first).DisposeAsync();
            await ((IAsyncLifetime)second).DisposeAsync();
        }
    }

    [Fact]
    public async Task An_instant_missed_while_no_server_lifted_is_lifted_at_start_up_and_the_audit_says_how_late()
    {
        var (investigation, wave, _) = await GivenPlanAsync(inHours: 5);
        // Nobody lifts here: the collection's server does not; the instant passes by three hours.
        Server.Clock.Set(wave.Embargo.Utc.AddHours(3));
        Assert.Equal(EmbargoStates.Locked, (await Ines.GetWaveAsync(wave.Id)).Embargo.State);

        var restarted = await Server.StartLiftingNodeAsync();
        try
        {
            await restarted.Services.GetRequiredService<LiftEmbargoes>().RoundsAsync();
            var lifted = await Ines.GetWaveAsync(wave.Id);
            Assert.Equal(EmbargoStates.Lifted, lifted.Embargo.State);
            var entry = Assert.Single(await LiftAuditAsync(investigation.Id));
            Assert.Contains("3h 0m 0s late", entry.Detail);
            Assert.Equal(1, await LiftEventsAsync(wave.Id));
        }
        finally
        {
            await ((IAsyncLifetime)restarted).DisposeAsync();
        }
    }

    [Fact]
    public async Task A_leader_cut_off_from_the_database_at_the_instant_takes_the_lead_again_and_lifts_once()
    {
        var (_, wave, _) = await GivenPlanAsync(inHours: 5);
        var node = await Server.StartLiftingNodeAsync();
        try
        {
            var lifter = node.Services.GetRequiredService<LiftEmbargoes>();
            await lifter.RoundsAsync();
            Assert.True(lifter.IsLeader);

            // The leader's session ends under it (a failover, a network cut): its lock goes with it.
            Assert.Equal(1, await TerminateLeaderAsync());
            Server.Clock.Set(wave.Embargo.Utc);
            await lifter.RoundsAsync();
            await lifter.RoundsAsync();

            Assert.True(lifter.IsLeader);
            Assert.Equal(EmbargoStates.Lifted, (await Ines.GetWaveAsync(wave.Id)).Embargo.State);
            Assert.Equal(1, await LiftEventsAsync(wave.Id));
        }
        finally
        {
            await ((IAsyncLifetime)node).DisposeAsync();
        }
    }

    private async Task<int> TerminateLeaderAsync()
    {
        await using var connection = new NpgsqlConnection(Server.ConnectionString);
        await connection.OpenAsync();
        // The leader's key 0x4C696674 ("Lift") is a bigint advisory lock: class 0, object 1281975924.
        await using var command = new NpgsqlCommand(
            """
            select count(pg_terminate_backend(pid)) from pg_locks
            where locktype = 'advisory' and classid = 0 and objid = 1281975924 and granted
              and database = (select oid from pg_database where datname = current_database())
            """, connection);
        return (int)(long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task The_package_is_refused_before_the_lift_naming_the_instant_and_served_after_it_in_three_formats()
    {
        var (investigation, _) = (await GivenPlanAsync(csv: "phone,country\n07700 900001,GB\n07700 900002,GB\n")).Investigation is var i ? (i, 0) : default;
        var plan = await Ines.GetPublicationPlanAsync(investigation.Id);
        var dataset = (await Ines.ListDatasetsAsync(investigation.Id))[0];
        var records = (await Ines.ListRecordsAsync(dataset.Id)).Items;
        var identification = await Ines.AddAnnotationAsync(records[0].Id, new NewAnnotation(AnnotationKinds.Identification,
            Identification: new IdentificationView("Jane Roe", "Journalist", "alpha", "high", ["phone bill"])));
        var privateNote = await Ines.AddAnnotationAsync(records[0].Id, new NewAnnotation(AnnotationKinds.Identification, Visibility: Visibility.Private,
            Identification: new IdentificationView("Secret Person", null, "alpha", "low", [])));
        var story = await Ines.CreateStoryAsync(investigation.Id, new NewStory(plan.Waves[0].Id, "Package", "", "alpha", ["bravo"],
            new StoryMaterial([records[0].Id, records[1].Id], [identification.Id, privateNote.Id])));

        using var before = await SendAsync("tom@bravo", HttpMethod.Get, $"api/publication/stories/{story.Id}/package?format=csv");
        Assert.Equal(HttpStatusCode.Forbidden, before.StatusCode);
        var problem = await before.Content.ReadAsStringAsync();
        Assert.Contains("Under embargo", problem);
        Assert.Contains($"{plan.Waves[0].Embargo.Utc.UtcDateTime:yyyy-MM-dd HH:mm} UTC", problem);

        await Ines.LiftEmbargoEarlyAsync(plan.Waves[0].Id, "A partner published early");
        await Server.ClientFor("marc@alpha").LiftEmbargoEarlyAsync(plan.Waves[0].Id, "Confirmed");

        var tom = Server.ClientFor("tom@bravo");
        var csv = await tom.GetPackageAsync(story.Id, "csv");
        Assert.Equal(4, csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("Jane Roe", csv);
        var jsonl = await tom.GetPackageAsync(story.Id, "jsonl");
        Assert.Equal(3, jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        // The private identification is its author's only: not in tom's package, in any format.
        Assert.DoesNotContain("Secret Person", csv + jsonl);
        using var jsonld = System.Text.Json.JsonDocument.Parse(await tom.GetPackageAsync(story.Id, "jsonld"));
        Assert.Equal("http://www.w3.org/ns/anno.jsonld", jsonld.RootElement.GetProperty("@context").GetString());
        var annotation = Assert.Single(jsonld.RootElement.GetProperty("first").GetProperty("items").EnumerateArray());
        Assert.Equal("identifying", annotation.GetProperty("motivation").GetString());
        Assert.EndsWith($"/api/records/{records[0].Id}", annotation.GetProperty("target").GetString());
    }

    private async Task BothRoundsAsync(PublicationServer first, PublicationServer second) =>
        await Task.WhenAll(first.Services.GetRequiredService<LiftEmbargoes>().RoundsAsync(), second.Services.GetRequiredService<LiftEmbargoes>().RoundsAsync());

    private async Task<long> LiftEventsAsync(Guid waveId)
    {
        var schema = Server.Services.GetRequiredService<StorageSettings>().Schema;
        await using var connection = new NpgsqlConnection(Server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select count(*) from {schema}.mt_events where stream_id = $1 and type = 'publication_embargo_lifted'", connection)
        {
            Parameters = { new() { Value = waveId } },
        };
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<IReadOnlyList<AuditEntryView>> LiftAuditAsync(Guid investigationId)
    {
        // The audit entry commits with the lift; the coordinators' audit view reads it.
        return (await Ines.ListAuditAsync(investigationId, action: "publication.embargo-lifted")).Items;
    }
}
