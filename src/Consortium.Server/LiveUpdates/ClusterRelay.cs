using System.Text.Json;
using Consortium.Server.Storage;
using StackExchange.Redis;

namespace Consortium.Server.LiveUpdates;

/// <summary>
/// On several nodes (decision 0029), carries what one node announced after its commit to every other node: annotation
/// changes, which each node then pushes to its own connections through its own registry (so entitlement stays the
/// per-connection check its hub made), and access withdrawals, which each node applies to its own connections.
/// Both travel on one channel, handled by one loop in the order published, so a node never pushes a change committed
/// after a withdrawal before applying the withdrawal. Redis pub/sub delivers at most once; a lost message costs a
/// push, which clients recover from the changes feed, while a lost withdrawal is applied from PostgreSQL
/// (<see cref="WithdrawalLog"/>). When the link to Redis breaks every local hub connection is also closed (fail
/// closed): clients reconnect, are checked afresh and catch up from the feed. Messages are recognised as this node's
/// own by its incarnation, not its configurable <c>Node:Id</c>, and the channel carries the <c>Redis:Prefix</c>.
/// </summary>
public sealed class ClusterRelay : BackgroundService
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly IConnectionMultiplexer redis;
    private readonly ServerNode node;
    private readonly RedisChannel channel;
    private readonly LiveAnnouncer announcer;
    private readonly WithdrawalLog withdrawals;
    private readonly ILogger<ClusterRelay> logger;
    // Off only in tests: stands for a lost publish, which the PostgreSQL backstop must make up for.
    private readonly bool relayWithdrawals;

    public ClusterRelay(IConnectionMultiplexer redis, ServerNode node, LiveAnnouncer announcer, WithdrawalLog withdrawals, LiveConnections connections, IConfiguration configuration, ILogger<ClusterRelay> logger)
    {
        relayWithdrawals = configuration.GetValue("LiveUpdates:RelayWithdrawals", true);
        this.redis = redis;
        this.node = node;
        channel = RedisChannel.Literal(node.RedisPrefix + ":relay");
        this.announcer = announcer;
        this.withdrawals = withdrawals;
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
        Send(new Relayed(node.Incarnation, changes, null), "annotation changes");

    internal void Publish(AccessWithdrawn withdrawn, long? sequence)
    {
        if (relayWithdrawals)
        {
            Send(new Relayed(node.Incarnation, null, new RelayedWithdrawal(sequence, withdrawn.UserIds, withdrawn.OutletIds)), "a withdrawal");
        }
    }

    private void Send(Relayed message, string what)
    {
        try
        {
            redis.GetSubscriber().Publish(channel, JsonSerializer.SerializeToUtf8Bytes(message, Json), CommandFlags.FireAndForget);
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
                // A queue, not a handler: messages are handled one at a time, in the order published.
                var messages = await redis.GetSubscriber().SubscribeAsync(channel);
                messages.OnMessage(message =>
                {
                    var relayed = JsonSerializer.Deserialize<Relayed>((byte[])message.Message!, Json)!;
                    if (relayed.From == node.Incarnation)
                    {
                        return;
                    }
                    if (relayed.Withdrawal is { } w && (w.Sequence is not { } sequence || withdrawals.TryClaim(sequence)))
                    {
                        announcer.WithdrawLocally(new AccessWithdrawn(w.UserIds, w.OutletIds));
                    }
                    if (relayed.Changes is { } changes)
                    {
                        announcer.AnnounceLocally(changes);
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

    /// <summary>One message of the relay: annotation changes or a withdrawal (with its sequence in <see cref="WithdrawalLog"/>).</summary>
    private sealed record Relayed(string From, IReadOnlyList<AnnotationAnnouncement>? Changes, RelayedWithdrawal? Withdrawal);

    private sealed record RelayedWithdrawal(long? Sequence, IReadOnlyCollection<string> UserIds, IReadOnlyCollection<string> OutletIds);
}
