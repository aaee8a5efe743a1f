using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;

namespace Consortium.Server.Tests.LiveUpdates;

[CollectionDefinition(Name)]
public sealed class GatheredPushCollection : ICollectionFixture<GatheredPushTests.LongWindowServer>
{
    public const string Name = "Gathered pushes";
}

/// <summary>
/// Notes that arrive while a gathering window is open go out together (decision 0035): one message per connection
/// with every one of them it may read, in sequence order, each once, and nothing it may not read. The window is made
/// seconds long here so that the notes of one burst surely share it.
/// </summary>
[Collection(GatheredPushCollection.Name)]
public sealed class GatheredPushTests(GatheredPushTests.LongWindowServer server) : ServerTest(server)
{
    public sealed class LongWindowServer : ConsortiumServer
    {
        protected override IEnumerable<(string Key, string Value)> Settings => [("LiveUpdates:GatherWindow", "00:00:05")];
    }

    private static readonly TimeSpan PushTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Notes_gathered_in_one_window_reach_each_watcher_in_one_message_in_sequence_order_and_only_those_it_may_read()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n");
        var record = (await Server.ClientFor("ines@alpha").ListRecordsAsync(dataset.Id)).Items[0];
        var watchers = new List<(string User, string Outlet, HubConnection Connection, ChannelReader<IReadOnlyList<AnnotationPush>> Messages)>();
        foreach (var (user, outlet) in new[] { ("marie@alpha", "alpha"), ("tom@bravo", "bravo"), ("lena@lab", "lab") })
        {
            var connection = Server.ClientFor(user).CreateHubConnection();
            var messages = LivePushes.Messages(connection);
            await connection.StartAsync();
            await connection.InvokeAsync(HubMethods.JoinRecord, record.Id);
            watchers.Add((user, outlet, connection, messages));
        }
        var ines = Server.ClientFor("ines@alpha");
        var tom = Server.ClientFor("tom@bravo");

        // The first note finds no batch before it and goes out at once; it opens the window that gathers the burst.
        var first = await ines.AddNoteAsync(record.Id, new NewNote("Opens the window."));
        var burst = await Task.WhenAll(
            ines.AddNoteAsync(record.Id, new NewNote("Consortium from alpha.")),
            ines.AddNoteAsync(record.Id, new NewNote("Alpha only.", Visibility.Outlet)),
            tom.AddNoteAsync(record.Id, new NewNote("Tom's private.", Visibility.Private)),
            tom.AddNoteAsync(record.Id, new NewNote("Bravo only.", Visibility.Outlet)),
            tom.AddNoteAsync(record.Id, new NewNote("Consortium from bravo.")),
            tom.AddNoteAsync(record.Id, new NewNote("Partners bravo and lab.", Visibility.Partners, ["lab"])));
        var tomId = (await Server.Accounts.AccountAsync("tom@bravo")).Id;

        foreach (var (user, outlet, connection, messages) in watchers)
        {
            var entitled = burst.Where(n => n.Visibility switch
            {
                Visibility.Consortium => true,
                Visibility.Outlet => n.OutletId == outlet,
                Visibility.Private => n.Author == tomId && user == "tom@bravo",
                _ => n.OutletId == outlet || (n.SharedWithOutletIds ?? []).Contains(outlet),
            }).ToList();
            using var timeout = new CancellationTokenSource(PushTimeout);
            var opening = await messages.ReadAsync(timeout.Token);
            Assert.Equal([first.Id], opening.Select(p => p.Annotation.Id));
            // The whole burst in the next message: sequence order, each once, exactly what this watcher may read.
            var gathered = await messages.ReadAsync(timeout.Token);
            Assert.Equal(entitled.OrderBy(n => n.Sequence).Select(n => (n.Id, n.Sequence)), gathered.Select(p => (p.Annotation.Id, p.Annotation.Sequence)));
            Assert.All(gathered, p => Assert.True(p.Added));
            await connection.DisposeAsync();
        }
    }
}
