namespace Consortium.Server.LiveUpdates;

/// <summary>
/// How an area tells live clients what happened, after its commit. The area says what happened and to which groups of
/// <see cref="LiveGroups"/> (which the hub lets a connection join only after checking access); LiveUpdates decides
/// which connections that is and sends from a background pusher, in the order announced, so the announcing request
/// never waits for the fan-out. A lost push is recovered from the changes feed, or from the state a client reads again.
/// Areas never touch <c>IHubContext</c> themselves.
/// </summary>
public interface ILiveAnnouncer
{
    /// <summary>One message to every connection in any of the announcement's groups, each connection once.</summary>
    void Announce(LiveAnnouncement announcement);

    /// <summary>
    /// Committed annotation changes, each to its own groups. Whatever is pending when the pusher reads goes out as one
    /// batch: each connection gets one message with every change of the batch it is entitled to (decision 0020).
    /// </summary>
    void Announce(IReadOnlyList<AnnotationAnnouncement> changes);

    /// <summary>
    /// Some people lost sight of something: their open connections close now (SignalR checks access only when a connection
    /// joins), and reconnecting checks everything again. Synchronous: done when this returns.
    /// </summary>
    void Withdraw(AccessWithdrawn withdrawn);
}
