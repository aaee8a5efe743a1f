using System.Collections.Concurrent;
using Consortium.Client;

namespace Consortium.Server.LiveUpdates;

/// <summary>Who is looking at which record now, by hub connection. In memory: presence is as live as the connections.</summary>
public sealed class Presence
{
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<string, PresenceEntry>> byRecord = new();
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Guid, byte>> byConnection = new(StringComparer.Ordinal);

    public PresenceView Enter(Guid recordId, string connectionId, PresenceEntry who)
    {
        byRecord.GetOrAdd(recordId, _ => new(StringComparer.Ordinal))[connectionId] = who;
        byConnection.GetOrAdd(connectionId, _ => new())[recordId] = 0;
        return Of(recordId);
    }

    public PresenceView? Leave(Guid recordId, string connectionId)
    {
        if (byConnection.TryGetValue(connectionId, out var records))
        {
            records.TryRemove(recordId, out _);
        }
        return byRecord.TryGetValue(recordId, out var viewers) && viewers.TryRemove(connectionId, out _) ? Of(recordId) : null;
    }

    /// <summary>Removes a closed connection everywhere; the records whose presence changed.</summary>
    public IReadOnlyList<PresenceView> LeaveAll(string connectionId) =>
        byConnection.TryRemove(connectionId, out var records)
            ? records.Keys.Select(r => Leave(r, connectionId)).OfType<PresenceView>().ToList()
            : [];

    public bool IsPresent(Guid recordId, string connectionId) => byRecord.TryGetValue(recordId, out var viewers) && viewers.ContainsKey(connectionId);

    /// <summary>One entry per person, however many tabs they have open.</summary>
    public PresenceView Of(Guid recordId) => new(recordId,
        byRecord.TryGetValue(recordId, out var viewers) ? viewers.Values.DistinctBy(v => v.UserId).OrderBy(v => v.DisplayName, StringComparer.Ordinal).ToList() : []);
}
