using Consortium.Client;
using Consortium.Server.Annotations;
using Consortium.Server.Identity;
using Consortium.Server.Investigations;
using Marten;
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
        await Groups.AddToGroupAsync(Context.ConnectionId, LiveGroups.Investigation(investigationId));
        await Groups.AddToGroupAsync(Context.ConnectionId, LiveGroups.InvestigationForOutlet(investigationId, user.OutletId));
        await Groups.AddToGroupAsync(Context.ConnectionId, LiveGroups.InvestigationForUser(investigationId, user.UserId));
    }

    public async Task LeaveInvestigationAnnotations(Guid investigationId)
    {
        var user = ConsortiumUser.From(Context.User!);
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, LiveGroups.Investigation(investigationId));
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, LiveGroups.InvestigationForOutlet(investigationId, user.OutletId));
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, LiveGroups.InvestigationForUser(investigationId, user.UserId));
    }

    /// <summary>Tells those who may read the thread of <paramref name="annotationId"/> that the caller is typing in it.</summary>
    public async Task StartTyping(Guid recordId, Guid annotationId, IQuerySession session)
    {
        // Only from a connection that joined the record, which checked that the caller may see it.
        if (!presence.IsPresent(recordId, Context.ConnectionId))
        {
            throw new HubException("No such record.");
        }
        var user = ConsortiumUser.From(Context.User!);
        var annotation = await session.LoadAsync<Annotation>(annotationId, Context.ConnectionAborted);
        if (annotation is null || annotation.RecordId != recordId || !annotation.IsVisibleTo(user))
        {
            throw new HubException("No such annotation.");
        }
        await Clients.Groups(LiveGroups.OnRecord(annotation)).Typing(new TypingView(recordId, annotationId, user.UserId, user.DisplayName, user.OutletId));
    }

    private async Task EnterPresenceAsync(Guid recordId, ConsortiumUser user)
    {
        // Sync clients read; they are not someone looking at a record.
        if (user.IsSyncClient)
        {
            return;
        }
        var now = presence.Enter(recordId, Context.ConnectionId, new PresenceEntry(user.UserId, user.DisplayName, user.OutletId));
        await Clients.Group(LiveGroups.Record(recordId)).PresenceChanged(now);
    }

    private async Task LeavePresenceAsync(Guid recordId)
    {
        if (presence.Leave(recordId, Context.ConnectionId) is { } now)
        {
            await Clients.Group(LiveGroups.Record(recordId)).PresenceChanged(now);
        }
    }

    private async Task LeaveAllPresenceAsync()
    {
        foreach (var now in presence.LeaveAll(Context.ConnectionId))
        {
            await Clients.Group(LiveGroups.Record(now.RecordId)).PresenceChanged(now);
        }
    }
}
