using System.Runtime.InteropServices;
using Consortium.Client;
using Microsoft.AspNetCore.SignalR;

namespace Consortium.Server.LiveUpdates;

/// <summary>
/// Sends announced annotation changes to exactly the connections in their groups (<see cref="AnnotationListeners"/>).
/// What is pending when a batch starts goes out as one batch: each connection gets one message with every change of the
/// batch it is entitled to, in sequence order, serialised once per distinct list of changes (decision 0020). Batches
/// start at most once per gathering window (decision 0035), so under load a message carries several changes.
/// </summary>
public sealed class AnnotationPusher(
    LiveAnnouncer announcer, AnnotationListeners listeners, IHubContext<ConsortiumHub, IConsortiumClient> hub, IConfiguration configuration, TimeProvider clock,
    ILogger<AnnotationPusher> logger)
    : BackgroundService
{
    private const int BatchSize = 256;

    /// <summary>
    /// The least time between the starts of two batches. Every message costs the server about 15 µs whatever it carries,
    /// and a consortium-wide note goes to about 120 connections, so at 200 notes a second three notes a message instead
    /// of one save about a fifth of the server's CPU per note (decision 0035). A change that comes when the last batch
    /// started longer ago than this goes out at once; one that comes sooner waits at most this long.
    /// </summary>
    public static readonly TimeSpan DefaultGatherWindow = TimeSpan.FromMilliseconds(20);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var window = configuration.GetValue("LiveUpdates:GatherWindow", DefaultGatherWindow);
        var batch = new List<AnnotationAnnouncement>(BatchSize);
        long? previousStart = null;
        while (await announcer.Annotations.WaitToReadAsync(stoppingToken))
        {
            // Notes arriving fast: wait out the rest of the window that the previous batch opened, then take everything
            // announced meanwhile. A batch that took longer than the window to send leaves nothing to wait for, and a
            // lone note (the last batch long ago) goes out at once.
            if (previousStart is { } previous && window - clock.GetElapsedTime(previous) is { Ticks: > 0 } rest)
            {
                await Task.Delay(rest, clock, stoppingToken);
            }
            previousStart = clock.GetTimestamp();
            batch.Clear();
            while (batch.Count < BatchSize && announcer.Annotations.TryRead(out var change))
            {
                batch.Add(change);
            }
            try
            {
                // On several nodes, withdrawals recorded before these changes were committed are applied first, even
                // those whose Redis message was lost: a connection they close gets none of the batch. If that cannot be
                // read the batch is not pushed (fail closed); clients catch up from the changes feed.
                if (announcer.Backstop is { } withdrawals)
                {
                    await withdrawals.CatchUpAsync(stoppingToken);
                }
                await PushAsync(batch);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Could not push {Count} annotation changes (sequences {First}–{Last})", batch.Count, batch[0].Sequence, batch[^1].Sequence);
            }
        }
    }

    private async Task PushAsync(List<AnnotationAnnouncement> batch)
    {
        // Commits are announced in commit order, which is not always sequence order: each message lists its changes by
        // sequence number.
        batch.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
        var entitled = batch.Select(c => c.Audience).ToList();

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
                batch.Count, buckets.Sum(b => b.Value.Count), buckets.Count);
        }

        var pushes = batch.Select(c => c.Push).ToArray();
        // A batch's sends run side by side (each connection is in one of them): awaiting each before starting the next
        // made every message wait for the slowest connection's buffer to drain. The next batch starts after them, so a
        // connection gets its messages in batch order.
        var sends = new List<Task>(buckets.Count);
        foreach (var (theirs, connectionIds) in buckets)
        {
            IReadOnlyList<AnnotationPush> items = theirs.Count == pushes.Length ? pushes : theirs.Select(i => pushes[i]).ToArray();
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
