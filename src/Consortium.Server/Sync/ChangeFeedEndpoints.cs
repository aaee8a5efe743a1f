using System.Text;
using System.Text.Json;
using Consortium.Client;
using Consortium.Server.Audit;
using Consortium.Server.Hosting;
using Consortium.Server.Identity;
using Consortium.Server.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Consortium.Server.Sync;

/// <summary>
/// <c>GET /api/changes</c>: the feed of every change across the investigations the caller's outlet takes part in, as
/// JSON pages (optionally held open with <c>wait</c>, a long poll) or as server-sent events (<c>Accept: text/event-stream</c>,
/// resumed from <c>Last-Event-ID</c>). Both are woken by <see cref="IFeedSignal"/>.
/// </summary>
public static class ChangeFeedEndpoints
{
    public const int MaxWaitSeconds = 60;
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    // The feed can trail a notification (a row is served once every older transaction has ended, decision 0014), so a
    // waiter whose read found nothing looks again after this much even without a new notification.
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(2);

    public static RouteGroupBuilder MapOutletChangeFeed(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/changes").WithTags("Sync").RequireAuthorization();
        group.MapGet("/", ReadChanges).Produces<ChangeFeedPage>().Produces(StatusCodes.Status200OK, contentType: "text/event-stream");
        return group;
    }

    /// <summary>A person reads as themselves; a sync client (client credentials, no person) as its outlet: never anyone's private notes.</summary>
    public static FeedReader ReaderOf(ConsortiumUser user) => new(user.OutletId, user.IsSyncClient ? null : user.UserId);

    private static async Task<Results<Ok<ChangeFeedPage>, EmptyHttpResult, BadRequest<ProblemDetails>>> ReadChanges(
        string? after, int? limit, string? types, Guid? investigation, int? wait, HttpContext http, ChangeFeed feed, IFeedSignal signal, AuditLog audit,
        SessionValidity validity, IHostApplicationLifetime lifetime, IOptions<HttpJsonOptions> json, CancellationToken cancellationToken)
    {
        var sse = http.Request.Headers.Accept.Any(a => a is not null && a.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase));
        var position = sse && http.Request.Headers["Last-Event-ID"].FirstOrDefault() is { Length: > 0 } lastEventId ? lastEventId : after;
        if (!FeedCursor.TryParse(position, out var cursor))
        {
            return Problems.BadRequest("Bad cursor", "Pass back the cursor of an earlier answer, or nothing to start from the beginning.");
        }
        var size = limit ?? ChangesEndpoints.DefaultLimit;
        if (size is < 1 or > ChangesEndpoints.MaxLimit)
        {
            return Problems.BadRequest("Bad limit", $"limit is between 1 and {ChangesEndpoints.MaxLimit}.");
        }
        if (wait is < 0 or > MaxWaitSeconds)
        {
            return Problems.BadRequest("Bad wait", $"wait is a number of seconds between 0 and {MaxWaitSeconds}.");
        }
        string[]? typeList = null;
        if (!string.IsNullOrWhiteSpace(types))
        {
            typeList = types.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (typeList.FirstOrDefault(t => !ChangeFeedTypes.All.Contains(t)) is { } unknown)
            {
                return Problems.BadRequest("Bad type", $"Unknown type '{unknown}'; types are {string.Join(", ", ChangeFeedTypes.All)}.");
            }
        }
        var user = ConsortiumUser.From(http.User);
        var reader = ReaderOf(user);
        var query = new FeedQuery(cursor, size, typeList, investigation);
        if (sse)
        {
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
            await StreamAsync(http, reader, query, feed, signal, audit, validity, json.Value.SerializerOptions, stopping.Token);
            return TypedResults.Empty;
        }
        var page = await feed.ReadViewsAsync(reader, query, cancellationToken);
        if (wait is > 0 && page.Items.Count == 0)
        {
            var deadline = DateTimeOffset.UtcNow.AddSeconds(wait.Value);
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
            while (page.Items.Count == 0 && DateTimeOffset.UtcNow < deadline && !stopping.IsCancellationRequested)
            {
                var left = deadline - DateTimeOffset.UtcNow;
                await signal.WaitAsync(left < Recheck ? left : Recheck, stopping.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                // Authentication ran when the poll began; a token revoked (or a session ended) while it waits answers nothing more.
                if (!await StillValidAsync(http, validity, cancellationToken))
                {
                    http.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return TypedResults.Empty;
                }
                // Rows the reader may not see still move the cursor on: the next read starts after them.
                page = await feed.ReadViewsAsync(reader, query with { After = CursorOf(page) }, cancellationToken);
            }
        }
        // The page is written out while its audit entry commits (a commit waits on the disk), and sent only once that
        // entry is committed: a read the audit log failed to record is still never served.
        var auditing = AuditAsync(http, audit, page, query.After, cancellationToken);
        using var body = new PooledPageBuffer();
        // Written here rather than as Ok(ChangeFeedPage): each object goes from its view to the response once (the
        // declared answer, for the OpenAPI document, stays ChangeFeedPage; the JSON is the same).
        ChangeFeedPageJson.Write(body, page, json.Value.SerializerOptions);
        await auditing;
        http.Response.ContentType = "application/json; charset=utf-8";
        http.Response.ContentLength = body.Length;
        if (page.HasMore)
        {
            NameNextPage(http, page.Cursor);
        }
        await body.CopyToAsync(http.Response.Body, cancellationToken);
        return TypedResults.Empty;
    }

    /// <summary>Header naming the cursor of the next page, when there is more to read now.</summary>
    public const string NextCursorHeader = "Consortium-Next-Cursor";

    /// <summary>
    /// Names the next page in the headers (RFC 8288 <c>Link: &lt;…&gt;; rel="next"</c> for any HTTP tool, and the bare cursor
    /// for our client): a reader can ask for it as soon as the headers arrive, while it still parses this page's body,
    /// instead of after (the cursor in the body comes last). Same query, <c>after</c> moved on, no <c>wait</c>.
    /// </summary>
    private static void NameNextPage(HttpContext http, string cursor)
    {
        var query = new Microsoft.AspNetCore.Http.Extensions.QueryBuilder(http.Request.Query
            .Where(q => q.Key is not ("after" or "wait"))
            .SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string>(q.Key, v ?? ""))))
        {
            { "after", cursor },
        };
        http.Response.Headers[NextCursorHeader] = cursor;
        http.Response.Headers.Link = $"<{http.Request.PathBase}{http.Request.Path}{query.ToQueryString()}>; rel=\"next\"";
    }

    private static async Task StreamAsync(HttpContext http, FeedReader reader, FeedQuery query, ChangeFeed feed, IFeedSignal signal, AuditLog audit,
        SessionValidity validity, JsonSerializerOptions json, CancellationToken stopping)
    {
        var response = http.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        // Proxies (nginx) would otherwise hold events back in their buffers.
        response.Headers["X-Accel-Buffering"] = "no";
        var after = query.After;
        var lastWrite = DateTimeOffset.UtcNow;
        var lastCheck = DateTimeOffset.UtcNow;
        var catchingUp = false;
        try
        {
            await response.WriteAsync($": {after}\n\n", stopping);
            await response.Body.FlushAsync(stopping);
            while (!stopping.IsCancellationRequested)
            {
                // Authentication ran once, when the stream began; like a hub connection (LiveSessionSweeper), the stream
                // ends once its token is revoked, its client deleted or its session ended. Checked before every read after
                // a wait, and every Recheck while catching up, so nothing committed after a revocation is sent.
                if (!catchingUp || DateTimeOffset.UtcNow - lastCheck >= Recheck)
                {
                    if (!await StillValidAsync(http, validity, stopping))
                    {
                        return;
                    }
                    lastCheck = DateTimeOffset.UtcNow;
                }
                var page = await feed.ReadViewsAsync(reader, query with { After = after }, stopping);
                if (page.Items.Count > 0)
                {
                    var text = new StringBuilder();
                    foreach (var entry in page.Items)
                    {
                        text.Append("id: ").Append(entry.Cursor).Append("\nevent: change\ndata: ").Append(JsonSerializer.Serialize(entry, json)).Append("\n\n");
                    }
                    // Recorded before it is sent, as a JSON page is: a read the audit log failed to record is not served.
                    await AuditAsync(http, audit, page, after, stopping);
                    await response.WriteAsync(text.ToString(), stopping);
                    await response.Body.FlushAsync(stopping);
                    lastWrite = DateTimeOffset.UtcNow;
                }
                after = CursorOf(page);
                catchingUp = page.HasMore;
                if (page.HasMore)
                {
                    continue;
                }
                await signal.WaitAsync(Recheck, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (DateTimeOffset.UtcNow - lastWrite >= Heartbeat && !stopping.IsCancellationRequested)
                {
                    // A comment line: keeps proxies and the client's read timeout from closing an idle stream.
                    await response.WriteAsync(": heartbeat\n\n", stopping);
                    await response.Body.FlushAsync(stopping);
                    lastWrite = DateTimeOffset.UtcNow;
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The client went away or the server stops: the stream ends; the client resumes from its Last-Event-ID.
        }
    }

    private static async Task<bool> StillValidAsync(HttpContext http, SessionValidity validity, CancellationToken cancellationToken) =>
        (await validity.StillValidAsync([http.User], cancellationToken))[0];

    private static FeedCursor CursorOf(ChangeFeedViewPage page) =>
        FeedCursor.TryParse(page.Cursor, out var cursor) ? cursor : throw new InvalidOperationException($"The feed answered a cursor it cannot read: {page.Cursor}");

    private static async Task AuditAsync(HttpContext http, AuditLog audit, ChangeFeedViewPage page, FeedCursor after, CancellationToken cancellationToken)
    {
        // An empty page reveals nothing, and live clients ask often; a page with entries is a read like any other,
        // recorded per investigation it touches.
        foreach (var group in page.Items.GroupBy(e => e.InvestigationId))
        {
            await audit.RecordAsync(http, new AuditSubject(AuditActions.ChangesRead, group.Key, AuditTargets.Investigation, group.Key?.ToString(),
                $"{group.Count()} changes after {after}"), cancellationToken);
        }
    }
}
