namespace Consortium.Server.LiveUpdates;

/// <summary>
/// Which hub connections are in which annotation group (the record and investigation groups of
/// <see cref="LiveGroups"/>), kept beside SignalR's own groups because SignalR does not say who is in a group. The
/// pusher needs it to send each connection one message with every change of a batch it is entitled to (decision 0020).
/// The hub updates it exactly where it adds a connection to, or removes one from, those SignalR groups, and on disconnect.
/// </summary>
/// <remarks>
/// One lock for everything: a join, a leave or a pusher's lookup holds it for microseconds (a batch's lookup walks the
/// members of its entitled groups, about 170 per group in the benchmark), so nothing waits long, and a batch sees one
/// consistent membership.
/// </remarks>
public sealed class AnnotationListeners
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, HashSet<string>> byGroup = new(StringComparer.Ordinal);
    // Present from connect to disconnect: a join that finishes after its connection closed finds no entry and adds nothing.
    private readonly Dictionary<string, HashSet<string>> byConnection = new(StringComparer.Ordinal);

    public void Connected(string connectionId)
    {
        lock (gate)
        {
            byConnection.TryAdd(connectionId, new(StringComparer.Ordinal));
        }
    }

    public void Add(string connectionId, params ReadOnlySpan<string> groups)
    {
        lock (gate)
        {
            if (!byConnection.TryGetValue(connectionId, out var joined))
            {
                return;
            }
            foreach (var group in groups)
            {
                if (joined.Add(group))
                {
                    if (!byGroup.TryGetValue(group, out var members))
                    {
                        byGroup[group] = members = new(StringComparer.Ordinal);
                    }
                    members.Add(connectionId);
                }
            }
        }
    }

    public void Remove(string connectionId, params ReadOnlySpan<string> groups)
    {
        lock (gate)
        {
            if (!byConnection.TryGetValue(connectionId, out var joined))
            {
                return;
            }
            foreach (var group in groups)
            {
                if (joined.Remove(group))
                {
                    LeaveGroup(connectionId, group);
                }
            }
        }
    }

    public void Disconnected(string connectionId)
    {
        lock (gate)
        {
            if (!byConnection.Remove(connectionId, out var joined))
            {
                return;
            }
            foreach (var group in joined)
            {
                LeaveGroup(connectionId, group);
            }
        }
    }

    private void LeaveGroup(string connectionId, string group)
    {
        if (byGroup.TryGetValue(group, out var members) && members.Remove(connectionId) && members.Count == 0)
        {
            // Memory follows the groups in use, not every group ever joined.
            byGroup.Remove(group);
        }
    }

    /// <summary>
    /// For changes 0..n-1 entitled to <paramref name="groupsOfChange"/>[i], the connections in any of those groups,
    /// each with the indexes of the changes it gets, ascending and each once (a connection in a record's group and in
    /// its investigation's gets a change once).
    /// </summary>
    public Dictionary<string, List<int>> Recipients(IReadOnlyList<IReadOnlyList<string>> groupsOfChange)
    {
        var recipients = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        lock (gate)
        {
            for (var change = 0; change < groupsOfChange.Count; change++)
            {
                foreach (var group in groupsOfChange[change])
                {
                    if (!byGroup.TryGetValue(group, out var members))
                    {
                        continue;
                    }
                    foreach (var connectionId in members)
                    {
                        if (!recipients.TryGetValue(connectionId, out var changes))
                        {
                            recipients[connectionId] = changes = new(Math.Min(groupsOfChange.Count, 16));
                        }
                        // Changes are visited in order, so a repeat can only be the last one added.
                        if (changes.Count == 0 || changes[^1] != change)
                        {
                            changes.Add(change);
                        }
                    }
                }
            }
        }
        return recipients;
    }
}
