using System.Collections.Concurrent;
using Consortium.Client;

namespace Consortium.Server.LiveUpdates;

/// <summary>
/// Who is looking at which record now, by hub connection. In memory: presence is as live as the connections.
/// Changes come out as deltas (someone arrived, someone left), one per person and record however many tabs they have
/// open; only a joining connection gets the whole list (decision 0019).
/// </summary>
public sealed class Presence
{
    private readonly ConcurrentDictionary<Guid, Viewers> byRecord = new();

    /// <summary>On several nodes, the mirror of this node's presence in Redis (decision 0029); null on one.</summary>
    internal SharedPresence? Shared { get; set; }
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Guid, byte>> byConnection = new(StringComparer.Ordinal);

    /// <summary>
    /// A record's viewers. Every change and whatever it sends happen under its lock, so each connection sees the record's
    /// presence messages in the order the changes were made (a connection's writes go out in the order they started):
    /// the list a joiner gets is followed only by the changes made after it.
    /// </summary>
    private sealed class Viewers
    {
        public readonly Dictionary<string, PresenceEntry> ByConnection = new(StringComparer.Ordinal);

        /// <summary>Set when the record's last viewer left and this instance was dropped from the map: callers retry.</summary>
        public bool Retired;

        public bool Has(string userId) => ByConnection.Values.Any(v => v.UserId == userId);

        public PresenceView View(Guid recordId) =>
            new(recordId, ByConnection.Values.DistinctBy(v => v.UserId).OrderBy(v => v.DisplayName, StringComparer.Ordinal).ToList());
    }

    /// <summary>
    /// Marks <paramref name="connectionId"/> present on the record, then, under the record's lock, hands
    /// <paramref name="send"/> the list the joiner must get and the arrival the others must get (null when that person
    /// was already there, from another tab). <paramref name="send"/> must start its sends without awaiting them.
    /// </summary>
    public void Enter(Guid recordId, string connectionId, PresenceEntry who, Action<PresenceView, PresenceChange?> send)
    {
        byConnection.GetOrAdd(connectionId, _ => new())[recordId] = 0;
        while (true)
        {
            var viewers = byRecord.GetOrAdd(recordId, _ => new());
            lock (viewers)
            {
                if (viewers.Retired)
                {
                    continue;
                }
                var arrived = !viewers.Has(who.UserId);
                viewers.ByConnection[connectionId] = who;
                send(viewers.View(recordId), arrived ? PresenceChange.Of(recordId, who) : null);
                return;
            }
        }
    }

    /// <summary>
    /// Marks <paramref name="connectionId"/> gone from the record. When that was the person's last connection on it,
    /// <paramref name="send"/> gets their departure, under the record's lock.
    /// </summary>
    public void Leave(Guid recordId, string connectionId, Action<PresenceChange> send)
    {
        if (byConnection.TryGetValue(connectionId, out var records))
        {
            records.TryRemove(recordId, out _);
        }
        LeaveRecord(recordId, connectionId, send);
    }

    /// <summary>Removes a closed connection everywhere, handing <paramref name="send"/> each departure it caused.</summary>
    public void LeaveAll(string connectionId, Action<PresenceChange> send)
    {
        if (byConnection.TryRemove(connectionId, out var records))
        {
            foreach (var recordId in records.Keys)
            {
                LeaveRecord(recordId, connectionId, send);
            }
        }
    }

    private void LeaveRecord(Guid recordId, string connectionId, Action<PresenceChange> send)
    {
        if (!byRecord.TryGetValue(recordId, out var viewers))
        {
            return;
        }
        lock (viewers)
        {
            if (viewers.Retired || !viewers.ByConnection.Remove(connectionId, out var who))
            {
                return;
            }
            if (!viewers.Has(who.UserId))
            {
                send(PresenceChange.Of(recordId, who));
            }
            if (viewers.ByConnection.Count == 0)
            {
                // Nobody left: drop the record's entry so memory follows the records being looked at, not every record ever opened.
                viewers.Retired = true;
                byRecord.TryRemove(new KeyValuePair<Guid, Viewers>(recordId, viewers));
            }
        }
    }

    public bool IsPresent(Guid recordId, string connectionId)
    {
        if (!byRecord.TryGetValue(recordId, out var viewers))
        {
            return false;
        }
        lock (viewers)
        {
            return viewers.ByConnection.ContainsKey(connectionId);
        }
    }

    /// <summary>The records someone is looking at now, with who (the demo partner goes where people are).</summary>
    public IReadOnlyList<PresenceView> Watched() => byRecord.Keys.Select(Of).Where(v => v.Viewers.Count > 0).ToList();

    /// <summary>One entry per person, however many tabs they have open.</summary>
    public PresenceView Of(Guid recordId)
    {
        if (!byRecord.TryGetValue(recordId, out var viewers))
        {
            return new(recordId, []);
        }
        lock (viewers)
        {
            return viewers.View(recordId);
        }
    }
}
