namespace Consortium.Server.Webhooks;

/// <summary>One feed entry as a delivery needs it: its position, its type and change, and the entry itself as the body's <c>data</c>.</summary>
public sealed record WebhookFeedEntry(string Cursor, string Type, string Change, object Data)
{
    /// <summary>The event type a receiver sees and an endpoint filters on: <c>annotation.added</c>.</summary>
    public string EventType => $"{Type}.{Change}";
}

public sealed record WebhookFeedPage(IReadOnlyList<WebhookFeedEntry> Items, string Cursor, bool HasMore);

/// <summary>
/// What deliveries read: the unified changes feed as an outlet sees it (no user, so never a private note; access
/// evaluated at read time), and its commit signal. One implementation, over Sync's announced feed (<see cref="WebhookFeed"/>).
/// </summary>
public interface IWebhookFeed
{
    Task<WebhookFeedPage> ReadAsync(string outletId, string after, int limit, IReadOnlyCollection<string>? types, Guid? investigationId, CancellationToken cancellationToken);

    /// <summary>The entry at <paramref name="cursor"/>, read again from <paramref name="after"/>; null when the outlet may no longer see it.</summary>
    Task<WebhookFeedEntry?> FindAsync(string outletId, string after, string cursor, IReadOnlyCollection<string>? types, Guid? investigationId, CancellationToken cancellationToken);

    /// <summary>Returns when a change may have committed, or after <paramref name="timeout"/>.</summary>
    Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>A cursor at the feed's present end: a new endpoint receives what commits after it was registered.</summary>
    Task<string> NowAsync(CancellationToken cancellationToken);
}
