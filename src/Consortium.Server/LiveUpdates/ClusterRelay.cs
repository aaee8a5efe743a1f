using System.Text.Json;
using Consortium.Server.Storage;
using StackExchange.Redis;

namespace Consortium.Server.LiveUpdates;

/// <summary>
/// On several nodes (decision 0029), carries what one node announced after its commit to every other node: annotation
/// changes, which each node then pushes to its own connections through its own registry (so entitlement stays the
/// per-connection check its hub made), and access withdrawals, which each node applies to its own connections.
/// Redis pub/sub delivers at most once; a lost message costs a push, which clients recover from the changes feed.
/// A lost withdrawal would leave a connection open, so when the link to Redis breaks every local hub connection is
/// closed (fail closed): clients reconnect, are checked afresh and catch up from the feed.
/// </summary>
public sealed class ClusterRelay : BackgroundService
{
    private static readonly RedisChannel AnnotationsChannel = RedisChannel.Literal("consortium:annotations");
    private static readonly RedisChannel WithdrawnChannel = RedisChannel.Literal("consortium:withdrawn");
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly IConnectionMultiplexer redis;
    private readonly ServerNode node;
    private readonly LiveAnnouncer announcer;
    private readonly LiveConnections connections;
    private readonly ILogger<ClusterRelay> logger;

    public ClusterRelay(IConnectionMultiplexer redis, ServerNode node, LiveAnnouncer announcer, LiveConnections connections, ILogger<ClusterRelay> logger)
    {
        this.redis = redis;
        this.node = node;
        this.announcer = announcer;
        this.connections = connections;
        this.logger = logger;
        announcer.Relay = this;
        redis.ConnectionFailed += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Subscription)
            {
                var closed = connections.CloseAllWhere(_ => true);
                logger.LogWarning("Lost Redis ({Failure}); closed all {Count} hub connections of this node, which will catch up from the changes feed", e.FailureType, closed);
            }
        };
    }

    internal void Publish(IReadOnlyList<AnnotationAnnouncement> changes) =>
        Send(AnnotationsChannel, JsonSerializer.SerializeToUtf8Bytes(new RelayedAnnotations(node.Id, changes), Json), "annotation changes");

    internal void Publish(AccessWithdrawn withdrawn) =>
        Send(WithdrawnChannel, JsonSerializer.SerializeToUtf8Bytes(new RelayedWithdrawal(node.Id, withdrawn.UserIds, withdrawn.OutletIds), Json), "a withdrawal");

    private void Send(RedisChannel channel, byte[] payload, string what)
    {
        try
        {
            redis.GetSubscriber().Publish(channel, payload, CommandFlags.FireAndForget);
        }
        catch (Exception e) when (e is RedisException or ObjectDisposedException)
        {
            logger.LogWarning(e, "Could not relay {What} to the other nodes", what);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Queues, not handlers: messages of a channel are handled one at a time, in the order published.
                var subscriber = redis.GetSubscriber();
                var annotations = await subscriber.SubscribeAsync(AnnotationsChannel);
                var withdrawals = await subscriber.SubscribeAsync(WithdrawnChannel);
                annotations.OnMessage(message =>
                {
                    var relayed = JsonSerializer.Deserialize<RelayedAnnotations>((byte[])message.Message!, Json)!;
                    if (relayed.Node != node.Id)
                    {
                        announcer.AnnounceLocally(relayed.Changes);
                    }
                });
                withdrawals.OnMessage(message =>
                {
                    var relayed = JsonSerializer.Deserialize<RelayedWithdrawal>((byte[])message.Message!, Json)!;
                    if (relayed.Node != node.Id)
                    {
                        announcer.WithdrawLocally(new AccessWithdrawn(relayed.UserIds, relayed.OutletIds));
                    }
                });
                await Task.Delay(Timeout.Infinite, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Redis not there at start: StackExchange.Redis reconnects by itself; the subscription is asked again.
                logger.LogWarning(e, "Could not subscribe to the other nodes' announcements; retrying");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    private sealed record RelayedAnnotations(string Node, IReadOnlyList<AnnotationAnnouncement> Changes);

    private sealed record RelayedWithdrawal(string Node, IReadOnlyCollection<string> UserIds, IReadOnlyCollection<string> OutletIds);
}
