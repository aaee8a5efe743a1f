using Consortium.Server.Storage;
using Consortium.Server.Sync;

namespace Consortium.Server.Webhooks;

/// <summary>
/// Deliveries read Sync's unified feed as an outlet-level reader (no user: never a private note, and access is
/// evaluated at read time, so a retry or a redelivery never carries what the outlet may no longer see), and wake on
/// its commit signal.
/// </summary>
public sealed class WebhookFeed(IServiceScopeFactory scopes, IFeedSignal signal, FeedPosition position) : IWebhookFeed
{
    public async Task<WebhookFeedPage> ReadAsync(string outletId, string after, int limit, IReadOnlyCollection<string>? types, Guid? investigationId, CancellationToken cancellationToken)
    {
        // The feed reads through a Marten query session, which is scoped.
        await using var scope = scopes.CreateAsyncScope();
        var feed = scope.ServiceProvider.GetRequiredService<IChangeFeed>();
        var page = await feed.ReadAsync(new FeedReader(outletId, null), new FeedQuery(Parse(after), limit, types, investigationId), cancellationToken);
        return new WebhookFeedPage(page.Items.Select(e => new WebhookFeedEntry(e.Cursor, e.Type, e.Change, e)).ToList(), page.Cursor, page.HasMore);
    }

    public async Task<WebhookFeedEntry?> FindAsync(string outletId, string after, string cursor, IReadOnlyCollection<string>? types, Guid? investigationId, CancellationToken cancellationToken)
    {
        var target = Parse(cursor);
        var from = after;
        // Entries between the two positions that the endpoint does not want are skipped page by page; the feed is
        // ordered by cursor, so passing the target's position without meeting it means the entry is hidden now.
        for (var pages = 0; pages < 50; pages++)
        {
            var page = await ReadAsync(outletId, from, WebhookOptions.PageSize, types, investigationId, cancellationToken);
            foreach (var entry in page.Items)
            {
                if (entry.Cursor == cursor)
                {
                    return entry;
                }
                if (Compare(Parse(entry.Cursor), target) > 0)
                {
                    return null;
                }
            }
            if (!page.HasMore)
            {
                return null;
            }
            from = page.Cursor;
        }
        return null;
    }

    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => signal.WaitAsync(timeout, cancellationToken);

    public async Task<string> NowAsync(CancellationToken cancellationToken) => (await position.NowAsync(cancellationToken)).ToString();

    private static FeedCursor Parse(string cursor) => FeedCursor.TryParse(cursor, out var parsed) ? parsed : FeedCursor.Start;

    private static int Compare(FeedCursor a, FeedCursor b) => a.TransactionId != b.TransactionId ? a.TransactionId.CompareTo(b.TransactionId) : a.Sequence.CompareTo(b.Sequence);
}
