using Consortium.Client;
using Consortium.Server.Identity;
using Microsoft.AspNetCore.SignalR;

namespace Consortium.Server.LiveUpdates;

// Annotation-specific hub methods: following an investigation's annotations, presence on records, typing in threads.
public sealed partial class ConsortiumHub
{
    /// <summary>Every annotation change of the investigation that the caller may read, whatever record it is on.</summary>
    public async Task JoinInvestigationAnnotations(Guid investigationId)
    {
        var user = ConsortiumUser.From(Context.User!);
        if (await access.InvestigationAsync(user, investigationId, Context.ConnectionAborted) is null)
        {
            throw new HubException("No such investigation.");
        }
        // Pushes to these groups are narrowed to outlets that may see each record, so joining needs only membership.
        // Only annotation pushes go to them, and those go by our own registry (decision 0020): no SignalR group.
        listeners.Add(Context.ConnectionId, LiveGroups.OfInvestigation(investigationId, user.OutletId, user.UserId));
    }

    public Task LeaveInvestigationAnnotations(Guid investigationId)
    {
        var user = ConsortiumUser.From(Context.User!);
        listeners.Remove(Context.ConnectionId, LiveGroups.OfInvestigation(investigationId, user.OutletId, user.UserId));
        return Task.CompletedTask;
    }

    /// <summary>Tells those who may read the thread of <paramref name="annotationId"/> that the caller is typing in it.</summary>
    public async Task StartTyping(Guid recordId, Guid annotationId, ITypingAudience audience)
    {
        // Only from a connection that joined the record, which checked that the caller may see it.
        if (!presence.IsPresent(recordId, Context.ConnectionId))
        {
            throw new HubException("No such record.");
        }
        var user = ConsortiumUser.From(Context.User!);
        if (await audience.OfThreadAsync(user, recordId, annotationId, Context.ConnectionAborted) is not { } groups)
        {
            throw new HubException("No such annotation.");
        }
        await Clients.Groups(groups).Typing(new TypingView(recordId, annotationId, user.UserId, user.DisplayName, user.OutletId));
    }

    private async Task EnterPresenceAsync(Guid recordId, ConsortiumUser user)
    {
        // Sync clients read; they are not someone looking at a record.
        if (user.IsSyncClient)
        {
            return;
        }
        var connectionId = Context.ConnectionId;
        var who = new PresenceEntry(user.UserId, user.DisplayName, user.OutletId);
        // On several nodes, who looks at the record from the others (decision 0029).
        var elsewhere = presence.Shared is { } shared ? await shared.EnterAsync(recordId, connectionId, who) : [];
        // The joiner gets the whole list, everyone else only who arrived: a join costs O(viewers) messages of one entry,
        // not O(viewers) lists of O(viewers) entries (decision 0019). Sent, not awaited, under the record's lock so that
        // every connection gets the record's presence messages in the order they happened; a slow connection delays
        // only its own copies, which SignalR queues per connection.
        presence.Enter(recordId, connectionId, who, (list, arrived) =>
        {
            if (elsewhere.Count > 0)
            {
                list = new PresenceView(recordId, list.Viewers.Concat(elsewhere).DistinctBy(v => v.UserId).OrderBy(v => v.DisplayName, StringComparer.Ordinal).ToList());
            }
            Observe(Clients.Caller.PresenceChanged(list));
            if (arrived is not null && !elsewhere.Any(v => v.UserId == user.UserId))
            {
                Observe(Clients.GroupExcept(LiveGroups.Record(recordId), [connectionId]).ViewerArrived(arrived));
            }
        });
    }

    private void LeavePresence(Guid recordId)
    {
        presence.Leave(recordId, Context.ConnectionId, Departed(Context.ConnectionId));
        if (presence.Shared is { } shared)
        {
            // Also when another tab of the person still looks from here (no departure then): the entry goes.
            Observe(shared.LeaveAsync(recordId, Context.ConnectionId, ""));
        }
    }

    private void LeaveAllPresence()
    {
        var connectionId = Context.ConnectionId;
        presence.LeaveAll(connectionId, Departed(connectionId));
        if (presence.Shared is { } shared)
        {
            // Entries on records the person left locally only on another tab still go from Redis.
            foreach (var recordId in shared.Closed(connectionId))
            {
                Observe(shared.LeaveAsync(recordId, connectionId, ""));
            }
        }
    }

    /// <summary>Sends a departure, on several nodes only when the person is not still looking from another node.</summary>
    private Action<PresenceChange> Departed(string connectionId)
    {
        if (presence.Shared is { } shared)
        {
            return left => Observe(shared.DepartedAsync(left, connectionId));
        }
        return left => Observe(Clients.Group(LiveGroups.Record(left.RecordId)).ViewerLeft(left));
    }

    /// <summary>Presence is best effort: a send that fails (a connection closing) is logged, never thrown at the caller.</summary>
    private void Observe(Task send)
    {
        if (!send.IsCompletedSuccessfully)
        {
            _ = send.ContinueWith(
                static (t, state) => ((ILogger)state!).LogDebug(t.Exception, "A presence message was not sent"),
                logger, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }
}
