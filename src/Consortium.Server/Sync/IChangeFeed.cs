using Consortium.Client;
using Consortium.Server.Hosting;
using Consortium.Server.Storage;

namespace Consortium.Server.Sync;

/// <summary>
/// The feed of every change a reader may see (decision 0026): annotations, datasets, imports, restrictions,
/// memberships and the embargo desk, in one total (transaction id, sequence) order, served only from transactions that
/// have ended, filtered at read time by the same rules as the REST reads. Other areas (webhooks) read it through this.
/// </summary>
[Announced]
public interface IChangeFeed
{
    /// <summary>The entries after <see cref="FeedQuery.After"/> that <paramref name="reader"/> may see now, oldest first.</summary>
    Task<ChangeFeedPage> ReadAsync(FeedReader reader, FeedQuery query, CancellationToken cancellationToken);
}

/// <summary>
/// Who reads the feed: an outlet, and the person reading for it. <paramref name="UserId"/> null is an outlet-level
/// reader (a sync client, a webhook delivery): it sees what the outlet takes part in, consortium-wide and outlet-wide
/// items, never anyone's private ones.
/// </summary>
[Announced]
public sealed record FeedReader(string OutletId, string? UserId);

/// <summary>
/// What to read: entries after <paramref name="After"/>, at most <paramref name="Limit"/>; only the named
/// <paramref name="Types"/> (see <see cref="ChangeFeedTypes"/>; null for all) and only one investigation when given.
/// </summary>
[Announced]
public sealed record FeedQuery(FeedCursor After, int Limit, IReadOnlyCollection<string>? Types = null, Guid? InvestigationId = null);

/// <summary>
/// Wakes up when a feed entry may have committed (PostgreSQL <c>NOTIFY consortium_feed</c>, sent by the feed's trigger
/// and delivered at commit). A waiter then reads the feed; a spurious wake-up only costs an empty read.
/// </summary>
[Announced]
public interface IFeedSignal
{
    /// <summary>Completes at the next signal after the call, or after <paramref name="timeout"/>, whichever comes first (never throws on timeout).</summary>
    Task WaitAsync(TimeSpan timeout, CancellationToken ct);
}

/// <summary>
/// A change as the feed stores it, handed to the area that renders its type: the object's stored JSON as it stood.
/// </summary>
[Announced]
public sealed record StoredChange(string Type, string ObjectId, long Version, string Change, Guid? InvestigationId, string Data);

/// <summary>
/// The hook through which an area renders the feed entries of its own types (the embargo desk's stories and waves):
/// it knows the object's REST view and who may see it. Registered in DI by that area.
/// </summary>
[Announced]
public interface IChangeFeedRenderer
{
    /// <summary>The types (<see cref="ChangeFeedTypes"/>) this renderer answers for.</summary>
    IReadOnlyCollection<string> Types { get; }

    /// <summary>The REST view of each change, in order, or null for a change the reader may not see now.</summary>
    Task<IReadOnlyList<object?>> RenderAsync(FeedReader reader, IReadOnlyList<StoredChange> changes, CancellationToken cancellationToken);
}
