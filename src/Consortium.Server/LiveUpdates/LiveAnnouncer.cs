using System.Security.Claims;
using System.Threading.Channels;
using Consortium.Server.Identity;

namespace Consortium.Server.LiveUpdates;

/// <summary>
/// Takes announcements and queues them for the pushers (<see cref="AnnotationPusher"/>, <see cref="MessagePusher"/>);
/// closes connections at once when access is withdrawn.
/// </summary>
public sealed class LiveAnnouncer(LiveConnections connections) : ILiveAnnouncer
{
    private readonly Channel<AnnotationAnnouncement> annotations = Channel.CreateUnbounded<AnnotationAnnouncement>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<LiveAnnouncement> messages = Channel.CreateUnbounded<LiveAnnouncement>(new UnboundedChannelOptions { SingleReader = true });

    internal ChannelReader<AnnotationAnnouncement> Annotations => annotations.Reader;

    internal ChannelReader<LiveAnnouncement> Messages => messages.Reader;

    /// <summary>On several nodes, carries annotation changes and withdrawals to the others (decision 0029); null on one.</summary>
    internal ClusterRelay? Relay { get; set; }

    /// <summary>On several nodes, the record of withdrawals in PostgreSQL that no lost message can undo; null on one.</summary>
    internal WithdrawalLog? Backstop { get; set; }

    public void Announce(LiveAnnouncement announcement) => messages.Writer.TryWrite(announcement);

    public void Announce(IReadOnlyList<AnnotationAnnouncement> changes)
    {
        AnnounceLocally(changes);
        Relay?.Publish(changes);
    }

    /// <summary>To this node's connections only: what this node or another committed.</summary>
    internal void AnnounceLocally(IReadOnlyList<AnnotationAnnouncement> changes)
    {
        foreach (var change in changes)
        {
            annotations.Writer.TryWrite(change);
        }
    }

    public void Withdraw(AccessWithdrawn withdrawn)
    {
        WithdrawLocally(withdrawn);
        Relay?.Publish(withdrawn, Backstop?.Record(withdrawn));
    }

    internal void WithdrawLocally(AccessWithdrawn withdrawn)
    {
        foreach (var userId in withdrawn.UserIds)
        {
            connections.CloseAllOf(userId);
        }
        if (withdrawn.OutletIds.Count > 0)
        {
            var losing = withdrawn.OutletIds.ToHashSet(StringComparer.Ordinal);
            connections.CloseAllWhere(context => context.User?.FindFirstValue(ConsortiumUser.OutletClaim) is { } outlet && losing.Contains(outlet));
        }
    }
}
