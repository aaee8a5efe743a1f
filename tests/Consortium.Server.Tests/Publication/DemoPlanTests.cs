using Consortium.Server.Publication;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Consortium.Server.Tests.Publication;

/// <summary>The demo consortium seeds a publication plan a newcomer can look at.</summary>
public sealed class DemoPlanTests
{
    private sealed class DemoServer(string database) : ConsortiumServer
    {
        protected override string? SharedDatabase => database;

        protected override IEnumerable<(string Key, string Value)> Settings => [("Demo:Seed", "true"), ("Demo:RecordCount", "20")];
    }

    [Fact]
    public async Task The_demo_has_two_waves_three_stories_letters_sign_offs_and_a_moved_embargo_awaiting_acknowledgement()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var server = new DemoServer(database);
        try
        {
            await ((IAsyncLifetime)server).InitializeAsync();
            var store = server.Services.GetRequiredService<IDocumentStore>();
            List<PublicationStory> stories = [];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            // The seed runs in the background after start: wait for its last write, bounded.
            while (stories.Count < 3)
            {
                await Task.Delay(200, timeout.Token);
                await using var read = store.QuerySession();
                stories = [.. await read.Query<PublicationStory>().ToListAsync(timeout.Token)];
            }
            await using var session = store.QuerySession();
            var waves = await session.Query<PublicationWave>().ToListAsync();
            Assert.Equal(2, waves.Count);
            Assert.All(waves, w => Assert.True(w.LiftDue));
            var moved = Assert.Single(waves, w => w.Moves.Count == 1);
            Assert.Equal(Client.EmbargoStates.Postponed, moved.State);
            Assert.Contains(moved.Acknowledgements, a => !a.Acknowledged);
            Assert.Contains(stories, s => s.Letters.Count > 0);
            Assert.Contains(stories, s => s.SignOffs.Count > 0);
            Assert.NotEmpty(await session.Query<PublicationNotice>().Where(n => n.WaveId == moved.Id).ToListAsync());
        }
        finally
        {
            await ((IAsyncLifetime)server).DisposeAsync();
            await TestPostgres.DropDatabaseAsync(database);
        }
    }
}
