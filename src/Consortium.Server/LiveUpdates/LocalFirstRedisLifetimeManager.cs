using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using Microsoft.Extensions.Options;

namespace Consortium.Server.LiveUpdates;

/// <summary>
/// SignalR's Redis backplane (group sends, which carry presence, typing, inbox and import progress to every node), except
/// that a send to a list of connections of this node is written to them directly, serialised once: the annotation
/// pusher only ever names its own node's connections (decision 0029), and the stock manager would publish each of
/// them to Redis and back, one message per connection, and lose them all while Redis is away.
/// </summary>
internal sealed class LocalFirstRedisLifetimeManager(
    ILogger<RedisHubLifetimeManager<ConsortiumHub>> logger,
    IOptions<RedisOptions> options,
    IHubProtocolResolver protocols,
    IOptions<HubOptions> globalHubOptions,
    IOptions<HubOptions<ConsortiumHub>> hubOptions)
    : RedisHubLifetimeManager<ConsortiumHub>(logger, options, protocols, globalHubOptions, hubOptions)
{
    private readonly ConcurrentDictionary<string, HubConnectionContext> local = new(StringComparer.Ordinal);

    public override async Task OnConnectedAsync(HubConnectionContext connection)
    {
        await base.OnConnectedAsync(connection);
        local[connection.ConnectionId] = connection;
    }

    public override Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        local.TryRemove(connection.ConnectionId, out _);
        return base.OnDisconnectedAsync(connection);
    }

    public override Task SendConnectionsAsync(IReadOnlyList<string> connectionIds, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        List<string>? elsewhere = null;
        SerializedHubMessage? message = null;
        List<Task>? writes = null;
        foreach (var id in connectionIds)
        {
            if (local.TryGetValue(id, out var connection))
            {
                message ??= new SerializedHubMessage(new InvocationMessage(methodName, args));
                var write = connection.WriteAsync(message, cancellationToken);
                if (!write.IsCompletedSuccessfully)
                {
                    (writes ??= []).Add(write.AsTask());
                }
            }
            else
            {
                (elsewhere ??= []).Add(id);
            }
        }
        if (elsewhere is not null)
        {
            (writes ??= []).Add(base.SendConnectionsAsync(elsewhere, methodName, args, cancellationToken));
        }
        return writes is null ? Task.CompletedTask : Task.WhenAll(writes);
    }
}
