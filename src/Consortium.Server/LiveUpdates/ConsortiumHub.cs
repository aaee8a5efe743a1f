using Consortium.Client;
using Consortium.Server.Access;
using Consortium.Server.Identity;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Consortium.Server.LiveUpdates;

/// <summary>The live hub at /hubs/consortium. Every method checks access to the object it names, like the HTTP API does.</summary>
[Authorize]
public sealed partial class ConsortiumHub(AccessPolicy access, LiveConnections connections, Presence presence, AnnotationListeners listeners, ILogger<ConsortiumHub> logger)
    : Hub<IConsortiumClient>
{
    public override async Task OnConnectedAsync()
    {
        connections.Add(ConsortiumUser.From(Context.User!).UserId, Context);
        listeners.Connected(Context.ConnectionId);
        // Their own inbox: no object to check access to, only who they are.
        await Groups.AddToGroupAsync(Context.ConnectionId, LiveGroups.User(ConsortiumUser.From(Context.User!).UserId));
        await base.OnConnectedAsync();
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        connections.Remove(ConsortiumUser.From(Context.User!).UserId, Context.ConnectionId);
        // Also where connections closed by revocation (LiveConnections) end: none of their annotation groups outlives them.
        listeners.Disconnected(Context.ConnectionId);
        LeaveAllPresence();
        await base.OnDisconnectedAsync(exception);
    }

    public async Task JoinRecord(Guid recordId)
    {
        var user = ConsortiumUser.From(Context.User!);
        if (await access.RecordAsync(user, recordId, Context.ConnectionAborted) is null)
        {
            // Same words for "missing" and "hidden": the caller must not learn which.
            throw new HubException("No such record.");
        }
        var groups = LiveGroups.OfRecord(recordId, user.OutletId, user.UserId);
        foreach (var group in groups)
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, group);
        }
        // The annotation pushes go by our own copy of these memberships (decision 0020); SignalR's carry presence and typing.
        listeners.Add(Context.ConnectionId, groups);
        await EnterPresenceAsync(recordId, user);
    }

    /// <summary>Import progress of a dataset; access checked like <see cref="JoinRecord"/>.</summary>
    public async Task JoinDataset(Guid datasetId)
    {
        if (await access.DatasetAsync(ConsortiumUser.From(Context.User!), datasetId, Context.ConnectionAborted) is null)
        {
            throw new HubException("No such dataset.");
        }
        await Groups.AddToGroupAsync(Context.ConnectionId, LiveGroups.Dataset(datasetId));
    }

    public Task LeaveDataset(Guid datasetId) => Groups.RemoveFromGroupAsync(Context.ConnectionId, LiveGroups.Dataset(datasetId));

    public async Task LeaveRecord(Guid recordId)
    {
        var user = ConsortiumUser.From(Context.User!);
        var groups = LiveGroups.OfRecord(recordId, user.OutletId, user.UserId);
        foreach (var group in groups)
        {
            await Groups.RemoveFromGroupAsync(Context.ConnectionId, group);
        }
        listeners.Remove(Context.ConnectionId, groups);
        LeavePresence(recordId);
    }
}
