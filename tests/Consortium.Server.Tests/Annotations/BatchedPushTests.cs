using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;

namespace Consortium.Server.Tests.Annotations;

/// <summary>
/// Pushes go out in batches: each connection gets one message with every change of a batch it may read, in sequence
/// order (decision 0020). Bursts of concurrent writes make batches of several changes; what a client must see does not
/// depend on how they were cut.
/// </summary>
[Collection(AnnotationsCollection.Name)]
public sealed class BatchedPushTests(ConsortiumServer server) : ServerTest(server)
{
    private static readonly TimeSpan PushTimeout = TimeSpan.FromSeconds(30);

    private async Task<(InvestigationView Investigation, IReadOnlyList<RecordView> Records)> GivenRecordsAsync()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n07700 900002,GB\n");
        return (investigation, (await Server.ClientFor("ines@alpha").ListRecordsAsync(dataset.Id)).Items);
    }

    /// <summary>A started hub connection of <paramref name="user"/> with every push message it receives, whole.</summary>
    private async Task<(HubConnection Connection, ChannelReader<IReadOnlyList<AnnotationPush>> Messages)> ConnectAsync(string user)
    {
        var connection = Server.ClientFor(user).CreateHubConnection();
        var messages = LivePushes.Messages(connection);
        await connection.StartAsync();
        return (connection, messages);
    }

    /// <summary>Every message up to and including the one that carries <paramref name="last"/>.</summary>
    private static async Task<List<IReadOnlyList<AnnotationPush>>> ReadUntilAsync(ChannelReader<IReadOnlyList<AnnotationPush>> messages, Guid last)
    {
        using var timeout = new CancellationTokenSource(PushTimeout);
        var read = new List<IReadOnlyList<AnnotationPush>>();
        while (true)
        {
            var message = await messages.ReadAsync(timeout.Token);
            read.Add(message);
            if (message.Any(p => p.Annotation.Id == last))
            {
                return read;
            }
        }
    }

    private static void AssertInSequenceOrder(IEnumerable<IReadOnlyList<AnnotationPush>> messages)
    {
        foreach (var message in messages)
        {
            Assert.NotEmpty(message);
            var sequences = message.Select(p => p.Annotation.Sequence).ToList();
            Assert.Equal(sequences.Order(), sequences);
            Assert.Equal(sequences.Count, sequences.Distinct().Count());
        }
    }

    [Fact]
    public async Task Burst_of_concurrent_notes_reaches_a_watcher_each_once_and_every_message_in_sequence_order()
    {
        var (_, records) = await GivenRecordsAsync();
        var (watcher, messages) = await ConnectAsync("marie@alpha");
        await using var connected = watcher;
        await watcher.InvokeAsync(HubMethods.JoinRecord, records[0].Id);
        string[] writers = ["ines@alpha", "tom@bravo", "tom.ellery@bravo", "lena@lab"];

        var posted = await Task.WhenAll(Enumerable.Range(0, 120).Select(i =>
            Server.ClientFor(writers[i % writers.Length]).AddNoteAsync(records[0].Id, new NewNote($"Burst note {i}"))));
        // Committed after every note of the burst, so it has the highest sequence number and comes last.
        var last = await Server.ClientFor("ines@alpha").AddNoteAsync(records[0].Id, new NewNote("After the burst."));

        var received = await ReadUntilAsync(messages, last.Id);
        AssertInSequenceOrder(received);
        var items = received.SelectMany(m => m).ToList();
        Assert.All(items, p => Assert.True(p.Added));
        Assert.Equal(posted.Length + 1, items.Count);
        Assert.Equal(posted.Select(n => n.Id).Append(last.Id).Order(), items.Select(p => p.Annotation.Id).Order());
        Assert.Equal(last.Id, items[^1].Annotation.Id);
        // Each as stored, with the sequence number the POST answered.
        foreach (var pushed in items.Select(p => p.Annotation))
        {
            var answered = posted.Append(last).Single(n => n.Id == pushed.Id);
            Assert.Equal((answered.Sequence, answered.Version, answered.Text), (pushed.Sequence, pushed.Version, pushed.Text));
        }
        Assert.False(messages.TryRead(out var extra), $"unexpected message of {extra?.Count} items");
    }

    [Fact]
    public async Task Connection_following_a_record_and_its_investigation_gets_each_change_once()
    {
        var (investigation, records) = await GivenRecordsAsync();
        var (watcher, messages) = await ConnectAsync("marie@alpha");
        await using var connected = watcher;
        await watcher.InvokeAsync(HubMethods.JoinRecord, records[0].Id);
        await watcher.InvokeAsync(HubMethods.JoinInvestigationAnnotations, investigation.Id);
        var ines = Server.ClientFor("ines@alpha");
        var tom = Server.ClientFor("tom@bravo");

        // Consortium-wide and outlet-only notes of the watcher's outlet, on the joined record and on another one of the
        // investigation, written concurrently; then each edited once, concurrently.
        var notes = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => (i % 4) switch
        {
            0 => ines.AddNoteAsync(records[0].Id, new NewNote($"Shared {i}")),
            1 => ines.AddNoteAsync(records[0].Id, new NewNote($"Alpha only {i}", Visibility.Outlet)),
            2 => tom.AddNoteAsync(records[0].Id, new NewNote($"From bravo {i}")),
            _ => ines.AddNoteAsync(records[1].Id, new NewNote($"Other record {i}")),
        }));
        var edits = await Task.WhenAll(notes.Select(n =>
            Server.ClientFor(n.OutletId == "bravo" ? "tom@bravo" : "ines@alpha")
                .EditAnnotationAsync(n.Id, n.Version, new AnnotationChange(Text: n.Text + " (edited)"))));
        var last = await ines.AddNoteAsync(records[0].Id, new NewNote("After the edits."));

        var received = await ReadUntilAsync(messages, last.Id);
        AssertInSequenceOrder(received);
        var items = received.SelectMany(m => m).ToList();
        var changes = items.Select(p => (p.Annotation.Id, p.Annotation.Version, p.Added)).ToList();
        // Every note once as added, every edit once as changed: none twice though both groups are entitled to them.
        Assert.Equal(changes.Count, changes.Distinct().Count());
        Assert.Equal(notes.Select(n => (n.Id, n.Version, true)).Concat(edits.Select(e => (e.Id, e.Version, false))).Append((last.Id, last.Version, true)).Order(), changes.Order());
        Assert.False(messages.TryRead(out _));
    }

    [Fact]
    public async Task Outlet_only_partner_and_private_notes_never_reach_others_though_they_share_batches_with_consortium_notes()
    {
        var (investigation, records) = await GivenRecordsAsync();
        // Watchers of three outlets on the record, one of them also the author of half the notes, and the lab following
        // the whole investigation.
        var watchers = new List<(string User, string Outlet, HubConnection Connection, ChannelReader<IReadOnlyList<AnnotationPush>> Messages)>();
        foreach (var (user, outlet) in new[] { ("ines@alpha", "alpha"), ("marie@alpha", "alpha"), ("tom@bravo", "bravo"), ("tom.ellery@bravo", "bravo"), ("lena@lab", "lab") })
        {
            var (connection, messages) = await ConnectAsync(user);
            if (user == "lena@lab")
            {
                await connection.InvokeAsync(HubMethods.JoinInvestigationAnnotations, investigation.Id);
            }
            else
            {
                await connection.InvokeAsync(HubMethods.JoinRecord, records[0].Id);
            }
            watchers.Add((user, outlet, connection, messages));
        }
        string[] writers = ["ines@alpha", "tom@bravo"];

        var posted = await Task.WhenAll(Enumerable.Range(0, 80).Select(i => Server.ClientFor(writers[i % 2]).AddNoteAsync(records[0].Id, ((i / 2) % 4) switch
        {
            0 => new NewNote($"Consortium {i}"),
            1 => new NewNote($"Outlet only {i}", Visibility.Outlet),
            2 => new NewNote($"Private {i}", Visibility.Private),
            _ => new NewNote($"Partners {i}", Visibility.Partners, ["lab"]),
        })));
        var last = await Server.ClientFor("tom.ellery@bravo").AddNoteAsync(records[0].Id, new NewNote("After the burst."));

        var failures = new List<string>();
        foreach (var (user, outlet, connection, messages) in watchers)
        {
            var userId = (await Server.Accounts.AccountAsync(user)).Id;
            var received = await ReadUntilAsync(messages, last.Id);
            AssertInSequenceOrder(received);
            var got = received.SelectMany(m => m).Select(p => p.Annotation.Id).ToList();
            var entitled = posted.Append(last).Where(n => n.Visibility switch
            {
                Visibility.Consortium => true,
                Visibility.Outlet => n.OutletId == outlet,
                Visibility.Private => n.Author == userId,
                _ => n.OutletId == outlet || (n.SharedWithOutletIds ?? []).Contains(outlet),
            }).Select(n => n.Id).ToList();
            if (!got.Order().SequenceEqual(entitled.Order()) || got.Count != got.Distinct().Count())
            {
                var leaked = got.Except(entitled).Select(id => posted.Single(n => n.Id == id).Text);
                failures.Add($"{user}: got {got.Count} of {entitled.Count} entitled; not entitled: [{string.Join(", ", leaked)}]");
            }
            await connection.DisposeAsync();
        }
        Assert.Empty(failures);
    }

    [Fact]
    public async Task Leaving_a_record_stops_its_pushes_and_leaves_the_others()
    {
        var (_, records) = await GivenRecordsAsync();
        var (watcher, messages) = await ConnectAsync("tom@bravo");
        await using var connected = watcher;
        await watcher.InvokeAsync(HubMethods.JoinRecord, records[0].Id);
        await watcher.InvokeAsync(HubMethods.JoinRecord, records[1].Id);
        var ines = Server.ClientFor("ines@alpha");
        var before = await ines.AddNoteAsync(records[0].Id, new NewNote("Before leaving."));
        Assert.Equal([before.Id], (await ReadUntilAsync(messages, before.Id)).SelectMany(m => m).Select(p => p.Annotation.Id));

        await watcher.InvokeAsync(HubMethods.LeaveRecord, records[0].Id);
        await ines.AddNoteAsync(records[0].Id, new NewNote("After leaving."));
        var other = await ines.AddNoteAsync(records[1].Id, new NewNote("On the record still joined."));

        // The same connection's messages come in order: the left record's note would have come before this one.
        Assert.Equal([other.Id], (await ReadUntilAsync(messages, other.Id)).SelectMany(m => m).Select(p => p.Annotation.Id));
    }
}
