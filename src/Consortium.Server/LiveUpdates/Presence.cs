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

/// <summary>
/// Sends a record's viewers to everyone on it, at most once per <see cref="Interval"/> per record, with the list as it
/// stands when sent. Each change used to send the whole list to the whole group at once: when many people open a
/// record together (a newsroom meeting, 170 clients of a benchmark), that is n joins × n viewers messages, each holding
/// n names. Coalesced, a burst of joins costs a few lists per record, and the last one sent is always the current one.
/// </summary>
public sealed class PresenceBroadcasts(Presence presence, Microsoft.AspNetCore.SignalR.IHubContext<ConsortiumHub, IConsortiumClient> hub, ILogger<PresenceBroadcasts> logger)
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly ConcurrentDictionary<Guid, byte> pending = new();

    public void Changed(Guid recordId)
    {
        if (pending.TryAdd(recordId, 0))
        {
            _ = SendSoonAsync(recordId);
        }
    }

    private async Task SendSoonAsync(Guid recordId)
    {
        try
        {
            await Task.Delay(Interval);
            // Cleared before the list is read: a change after this point schedules a send of its own.
            pending.TryRemove(recordId, out _);
            await hub.Clients.Group(LiveGroups.Record(recordId)).PresenceChanged(presence.Of(recordId));
        }
        catch (Exception e)
        {
            pending.TryRemove(recordId, out _);
            logger.LogWarning(e, "Presence of record {RecordId} was not sent", recordId);
        }
    }
}

