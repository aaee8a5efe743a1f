using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace Consortium.Server.LiveUpdates;

/// <summary>
/// Open hub connections by user, so revoking someone's access can close theirs at once: SignalR checks identity only
/// when a connection starts, and group memberships outlive a revoked grant unless the connection goes.
/// </summary>
public sealed class LiveConnections
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, HubCallerContext>> byUser = new(StringComparer.Ordinal);

    public void Add(string userId, HubCallerContext context) =>
        byUser.GetOrAdd(userId, _ => new(StringComparer.Ordinal))[context.ConnectionId] = context;

    public void Remove(string userId, string connectionId)
    {
        if (byUser.TryGetValue(userId, out var connections))
        {
            connections.TryRemove(connectionId, out _);
        }
    }

    /// <summary>Every open connection with its user, for the periodic credential check (LiveSessionSweeper).</summary>
    public IReadOnlyList<(string UserId, HubCallerContext Context)> Snapshot() =>
        [.. byUser.SelectMany(u => u.Value.Values.Where(c => c.User is not null).Select(c => (u.Key, c)))];

    /// <summary>Closes one connection.</summary>
    public void Close(string userId, string connectionId)
    {
        if (byUser.TryGetValue(userId, out var connections) && connections.TryRemove(connectionId, out var context))
        {
            context.Abort();
        }
    }

    /// <summary>Closes every open connection of <paramref name="userId"/>. Clients see a disconnect and must reconnect, which re-checks everything.</summary>
    public int CloseAllOf(string userId)
    {
        if (!byUser.TryRemove(userId, out var connections))
        {
            return 0;
        }
        foreach (var context in connections.Values)
        {
            context.Abort();
        }
        return connections.Count;
    }

    /// <summary>Closes the connections of every user of an outlet (when an outlet leaves an investigation, say).</summary>
    public int CloseAllWhere(Func<HubCallerContext, bool> predicate)
    {
        var closed = 0;
        foreach (var (_, connections) in byUser)
        {
            foreach (var (id, context) in connections)
            {
                if (predicate(context) && connections.TryRemove(id, out _))
                {
                    context.Abort();
                    closed++;
                }
            }
        }
        return closed;
    }
}
