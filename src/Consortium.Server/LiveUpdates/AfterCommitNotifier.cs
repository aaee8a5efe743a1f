using System.Runtime.InteropServices;
using System.Threading.Channels;
using Consortium.Server.Annotations;
using Consortium.Server.Records;
using Marten;
using Marten.Services;
using Microsoft.AspNetCore.SignalR;

namespace Consortium.Server.LiveUpdates;

/// <summary>A committed annotation change to push: the state after it when the commit carried it, else only the id.</summary>
public sealed record PendingPush(Guid AnnotationId, bool Created, long Sequence, Annotation? State);

/// <summary>
/// Marten calls this after every commit. It hands the committed annotation events, with their global sequence
/// numbers, to the background pusher: the request that wrote them does not wait for the fan-out to every client.
/// </summary>
public sealed class AfterCommitNotifier : DocumentSessionListenerBase
{
    private readonly Channel<PendingPush> pending = Channel.CreateUnbounded<PendingPush>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<Notifications.Notification> notifications = Channel.CreateUnbounded<Notifications.Notification>(new UnboundedChannelOptions { SingleReader = true });

    public ChannelReader<PendingPush> Pending => pending.Reader;

    public ChannelReader<Notifications.Notification> Notifications => notifications.Reader;

    public override Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
    {
        Dictionary<Guid, Annotation>? states = null;
        var sequences = new Dictionary<Guid, long>();
        var byVersion = new Dictionary<(Guid, long), long>();
        foreach (var e in commit.GetEvents())
        {
            sequences[e.StreamId] = Math.Max(sequences.GetValueOrDefault(e.StreamId), e.Sequence);
            byVersion[(e.StreamId, e.Version)] = e.Sequence;
        }
        // New entries are stored unread (Store is an upsert: Marten lists them as updated); marking one read is not news.
        foreach (var notification in commit.Inserted.Concat(commit.Updated).OfType<Notifications.Notification>().Where(n => !n.Read))
        {
            var sequence = byVersion.TryGetValue((notification.AnnotationId, notification.Version), out var exact) ? exact : sequences.GetValueOrDefault(notification.AnnotationId);
            notifications.Writer.TryWrite(notification with { Sequence = sequence });
        }
        foreach (var e in commit.GetEvents())
        {
            switch (e.Data)
            {
                case NoteAdded added:
                    pending.Writer.TryWrite(new(added.AnnotationId, true, e.Sequence, Annotation.From(added, e.Sequence)));
                    break;
                case AnnotationCreated created:
                    pending.Writer.TryWrite(new(created.AnnotationId, true, e.Sequence, Annotation.From(created, e.Sequence)));
                    break;
                case AnnotationEdited or VerificationMoved or AnnotationAssigned or AnnotationResolved or AnnotationRetracted:
                    states ??= commit.Updated.Concat(commit.Inserted).OfType<Annotation>().GroupBy(a => a.Id).ToDictionary(g => g.Key, g => g.MaxBy(a => a.Version)!);
                    var state = states.GetValueOrDefault(e.StreamId) is { } s && s.Sequence == e.Sequence ? s : null;
                    pending.Writer.TryWrite(new(e.StreamId, false, e.Sequence, state));
                    break;
            }
        }
        return Task.CompletedTask;
    }
}

/// <summary>
/// Sends committed annotation changes to exactly the connections entitled to each: those in the record's groups (for
/// clients looking at it) and the investigation's groups (for clients following all of it), narrowed by the dataset's
/// compartment and the record's restriction. Whatever is pending when it reads goes out as one batch: each connection
/// gets one message with every change of the batch it is entitled to, in sequence order (decision 0020). A lost push
/// is recovered from the changes feed.
/// </summary>
public sealed class LivePusher(
    AfterCommitNotifier notifier, IDocumentStore store, AnnotationListeners listeners, IHubContext<ConsortiumHub, Client.IConsortiumClient> hub, ILogger<LivePusher> logger)
    : BackgroundService
{
    private const int BatchSize = 256;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<PendingPush>(BatchSize);
        while (await notifier.Pending.WaitToReadAsync(stoppingToken))
        {
            batch.Clear();
            // No waiting to fill a batch: it holds what committed while the previous one was being sent.
            while (batch.Count < BatchSize && notifier.Pending.TryRead(out var push))
            {
                batch.Add(push);
            }
            try
            {
                await PushAsync(batch, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Could not push {Count} annotation changes (sequences {First}–{Last})", batch.Count, batch[0].Sequence, batch[^1].Sequence);
            }
        }
    }

    private async Task PushAsync(List<PendingPush> batch, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var missing = batch.Where(p => p.State is null).Select(p => p.AnnotationId).Distinct().ToArray();
        var loaded = missing.Length == 0 ? [] : (await session.LoadManyAsync<Annotation>(cancellationToken, missing)).ToDictionary(a => a.Id);
        // Commits reach the channel in commit order, which is not always sequence order: each message lists its changes
        // by sequence number.
        var changes = batch
            .Select(p => (p.Created, p.Sequence, State: p.State ?? loaded.GetValueOrDefault(p.AnnotationId)))
            .Where(p => p.State is not null)
            .OrderBy(p => p.Sequence)
            .ToList();
        if (changes.Count == 0)
        {
            return;
        }
        // Read now, not cached: a compartment or restriction changed a moment ago must already narrow this push. Both
        // in one round trip: at 200 notes a second batches hold a few notes each, so this is paid about once a note.
        var reads = session.CreateBatchQuery();
        var datasetsRead = reads.LoadMany<Dataset>().ById(changes.Select(s => s.State!.DatasetId).Distinct().ToArray());
        var restrictionsRead = reads.LoadMany<RecordRestriction>().ById(changes.Select(s => s.State!.RecordId).Distinct().ToArray());
        await reads.Execute(cancellationToken);
        var datasets = (await datasetsRead).ToDictionary(d => d.Id);
        var restrictions = (await restrictionsRead).ToDictionary(r => r.Id);
        var entitled = changes
            .Select(c => LiveGroups.EntitledTo(c.State!, datasets.GetValueOrDefault(c.State!.DatasetId)?.SharedWithOutletIds, restrictions.GetValueOrDefault(c.State!.RecordId)?.OutletIds))
            .ToList();

        // Connections with the same list of changes share one message, serialised once. Lists are compared whole, so two
        // connections share a message only when they are entitled to exactly the same changes.
        var buckets = new Dictionary<List<int>, ConnectionIds>(ChangeListComparer.Instance);
        foreach (var (connectionId, theirs) in listeners.Recipients(entitled))
        {
            if (!buckets.TryGetValue(theirs, out var connectionIds))
            {
                buckets[theirs] = connectionIds = new();
            }
            connectionIds.Add(connectionId);
        }
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.LogDebug("Pushing {Changes} annotation changes as {Messages} messages in {Buckets} sends",
                changes.Count, buckets.Sum(b => b.Value.Count), buckets.Count);
        }

        var pushes = changes.Select(c => new Client.AnnotationPush(c.Created, c.State!.ToView())).ToArray();
        // A batch's sends run side by side (each connection is in one of them): awaiting each before starting the next
        // made every message wait for the slowest connection's buffer to drain (measured: deliveries fell seconds behind
        // the commits at 150 notes/s). The next batch starts after them, so a connection gets its messages in batch order.
        var sends = new List<Task>(buckets.Count);
        foreach (var (theirs, connectionIds) in buckets)
        {
            IReadOnlyList<Client.AnnotationPush> items = theirs.Count == pushes.Length ? pushes : theirs.Select(i => pushes[i]).ToArray();
            sends.Add(hub.Clients.Clients(connectionIds).AnnotationsPushed(items));
        }
        await Task.WhenAll(sends);
    }

    /// <summary>
    /// Connection ids for <c>Clients.Clients</c>. SignalR's in-memory lifetime manager sends to a list of connections by
    /// walking every connection and asking the list whether it <c>Contains</c> it (LINQ's, which defers to
    /// <see cref="ICollection{T}.Contains"/>): a set makes that O(1) instead of O(list) per connection.
    /// </summary>
    private sealed class ConnectionIds : IReadOnlyList<string>, ICollection<string>
    {
        private readonly List<string> list = [];
        private readonly HashSet<string> set = new(StringComparer.Ordinal);

        public int Count => list.Count;

        public bool IsReadOnly => false;

        public string this[int index] => list[index];

        public void Add(string item)
        {
            if (set.Add(item))
            {
                list.Add(item);
            }
        }

        public bool Contains(string item) => set.Contains(item);

        public void Clear() => throw new NotSupportedException();

        public void CopyTo(string[] array, int arrayIndex) => list.CopyTo(array, arrayIndex);

        public bool Remove(string item) => throw new NotSupportedException();

        public IEnumerator<string> GetEnumerator() => list.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>Compares lists of change indexes by their content.</summary>
    private sealed class ChangeListComparer : IEqualityComparer<List<int>>
    {
        public static readonly ChangeListComparer Instance = new();

        public bool Equals(List<int>? x, List<int>? y) => ReferenceEquals(x, y) || (x is not null && y is not null && CollectionsMarshal.AsSpan(x).SequenceEqual(CollectionsMarshal.AsSpan(y)));

        public int GetHashCode(List<int> list)
        {
            var hash = new HashCode();
            foreach (var i in list)
            {
                hash.Add(i);
            }
            return hash.ToHashCode();
        }
    }
}

/// <summary>Sends new inbox entries to their owner's connections, after commit.</summary>
public sealed class NotificationPusher(AfterCommitNotifier notifier, IHubContext<ConsortiumHub, Client.IConsortiumClient> hub, ILogger<NotificationPusher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var notification in notifier.Notifications.ReadAllAsync(stoppingToken))
        {
            try
            {
                await hub.Clients.Group(LiveGroups.User(notification.UserId)).NotificationReceived(notification.ToView());
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Could not push notification {NotificationId}", notification.Id);
            }
        }
    }
}
