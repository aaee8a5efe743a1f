using System.Collections.Concurrent;
using System.Text.Json;
using Consortium.Client;
using Consortium.Server.Storage;
using Microsoft.AspNetCore.SignalR;
using StackExchange.Redis;

namespace Consortium.Server.LiveUpdates;

/// <summary>
/// Presence across nodes (decision 0029). Each node keeps its own connections' presence (<see cref="Presence"/>) and
/// mirrors it into Redis: a hash per record, one field per connection, named for this node's incarnation. A node
/// refreshes a liveness key with a short expiry every few seconds; entries of a node whose key expired are ignored by
/// every reader, and the first node to notice the death removes them and tells the record's viewers those people left.
/// Arrivals and departures travel as group sends over the backplane, like every group message.
/// </summary>
public sealed class SharedPresence : BackgroundService
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Expiry = TimeSpan.FromSeconds(6);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly IConnectionMultiplexer redis;
    private readonly IHubContext<ConsortiumHub, IConsortiumClient> hub;
    private readonly ILogger<SharedPresence> logger;
    // A restarted node with the same name must not inherit the entries its previous life left behind.
    private readonly string incarnation;
    private readonly string prefix;
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Guid, byte>> recordsByConnection = new(StringComparer.Ordinal);

    public SharedPresence(IConnectionMultiplexer redis, ServerNode node, Presence presence, IHubContext<ConsortiumHub, IConsortiumClient> hub, ILogger<SharedPresence> logger)
    {
        this.redis = redis;
        this.hub = hub;
        this.logger = logger;
        incarnation = node.Incarnation;
        prefix = node.RedisPrefix + ":presence:";
        presence.Shared = this;
    }

    private RedisKey Nodes => prefix + "nodes";

    private RedisKey RecordKey(Guid recordId) => prefix + "record:" + recordId.ToString("N");

    private RedisKey AliveKey(string incarnation) => prefix + "alive:" + incarnation;

    private RedisKey RecordsOf(string incarnation) => prefix + "records:" + incarnation;

    /// <summary>Marks the connection present in Redis and returns the viewers on other live nodes.</summary>
    public async Task<IReadOnlyList<PresenceEntry>> EnterAsync(Guid recordId, string connectionId, PresenceEntry who)
    {
        try
        {
            recordsByConnection.GetOrAdd(connectionId, _ => new())[recordId] = 0;
            var database = redis.GetDatabase();
            await database.HashSetAsync(RecordKey(recordId), incarnation + "|" + connectionId, JsonSerializer.Serialize(who, Json));
            await database.SetAddAsync(RecordsOf(incarnation), recordId.ToString("N"));
            return await ElsewhereAsync(recordId);
        }
        catch (RedisException e)
        {
            logger.LogDebug(e, "Presence not shared: Redis is away");
            return [];
        }
    }

    /// <summary>Removes the connection's entry; true when the person is still looking from another node.</summary>
    public async Task<bool> LeaveAsync(Guid recordId, string connectionId, string userId)
    {
        try
        {
            if (recordsByConnection.TryGetValue(connectionId, out var records))
            {
                records.TryRemove(recordId, out _);
            }
            await redis.GetDatabase().HashDeleteAsync(RecordKey(recordId), incarnation + "|" + connectionId);
            return (await ElsewhereAsync(recordId)).Any(e => e.UserId == userId);
        }
        catch (RedisException e)
        {
            logger.LogDebug(e, "Presence not shared: Redis is away");
            return false;
        }
    }

    /// <summary>The person's last connection here left the record: they left, unless they still look from another node.</summary>
    public async Task DepartedAsync(PresenceChange left, string connectionId)
    {
        if (!await LeaveAsync(left.RecordId, connectionId, left.UserId))
        {
            await hub.Clients.Group(LiveGroups.Record(left.RecordId)).ViewerLeft(left);
        }
    }

    /// <summary>The records a closing connection was present on, forgotten here.</summary>
    public IReadOnlyCollection<Guid> Closed(string connectionId) =>
        recordsByConnection.TryRemove(connectionId, out var records) ? records.Keys.ToList() : [];

    private async Task<IReadOnlyList<PresenceEntry>> ElsewhereAsync(Guid recordId, bool includingHere = false)
    {
        var database = redis.GetDatabase();
        var entries = await database.HashGetAllAsync(RecordKey(recordId));
        var alive = new Dictionary<string, bool>(StringComparer.Ordinal);
        var found = new List<PresenceEntry>();
        foreach (var entry in entries)
        {
            var owner = ((string)entry.Name!).Split('|')[0];
            if (owner == incarnation && !includingHere)
            {
                continue;
            }
            if (!alive.TryGetValue(owner, out var isAlive))
            {
                alive[owner] = isAlive = owner == incarnation || await database.KeyExistsAsync(AliveKey(owner));
            }
            if (isAlive)
            {
                found.Add(JsonSerializer.Deserialize<PresenceEntry>((string)entry.Value!, Json)!);
            }
        }
        return found;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Heartbeat);
        do
        {
            try
            {
                var database = redis.GetDatabase();
                await database.StringSetAsync(AliveKey(incarnation), "1", Expiry);
                await database.SetAddAsync(Nodes, incarnation);
                foreach (var other in await database.SetMembersAsync(Nodes))
                {
                    var name = (string)other!;
                    // The first node to see another's liveness key gone (and to remove it from the set) clears up after it.
                    if (name != incarnation && !await database.KeyExistsAsync(AliveKey(name)) && await database.SetRemoveAsync(Nodes, name))
                    {
                        await ClearUpAfterAsync(database, name);
                    }
                }
            }
            catch (RedisException e)
            {
                logger.LogDebug(e, "Presence heartbeat failed: Redis is away");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task ClearUpAfterAsync(IDatabase database, string dead)
    {
        logger.LogInformation("Node {Node} stopped answering; its viewers leave", dead);
        foreach (var member in await database.SetMembersAsync(RecordsOf(dead)))
        {
            var recordId = Guid.ParseExact((string)member!, "N");
            var entries = await database.HashGetAllAsync(RecordKey(recordId));
            var theirs = entries.Where(e => ((string)e.Name!).StartsWith(dead + "|", StringComparison.Ordinal)).ToList();
            if (theirs.Count == 0)
            {
                continue;
            }
            await database.HashDeleteAsync(RecordKey(recordId), [.. theirs.Select(e => e.Name)]);
            var stillThere = (await ElsewhereAsync(recordId, includingHere: true)).Select(e => e.UserId).ToHashSet(StringComparer.Ordinal);
            foreach (var who in theirs.Select(e => JsonSerializer.Deserialize<PresenceEntry>((string)e.Value!, Json)!).DistinctBy(w => w.UserId))
            {
                if (!stillThere.Contains(who.UserId))
                {
                    await hub.Clients.Group(LiveGroups.Record(recordId)).ViewerLeft(PresenceChange.Of(recordId, who));
                }
            }
        }
        await database.KeyDeleteAsync(RecordsOf(dead));
    }
}
