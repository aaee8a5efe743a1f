using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Consortium.Client;

/// <summary>How <see cref="ConsortiumClient.SyncAsync"/> keeps going once it has caught up.</summary>
public enum SyncFollow
{
    /// <summary>Stop when caught up.</summary>
    None,

    /// <summary>Keep asking with a long poll (<c>wait</c>): one request held open until something changes.</summary>
    LongPoll,

    /// <summary>Keep a server-sent events stream open (<c>text/event-stream</c>), resumed with <c>Last-Event-ID</c>.</summary>
    ServerSentEvents,
}

/// <summary>What <see cref="ConsortiumClient.SyncAsync"/> reads and how.</summary>
public sealed record SyncOptions
{
    /// <summary>Start after this cursor (one a previous run stored); null to start from the beginning.</summary>
    public string? After { get; init; }

    /// <summary>Only these types (<see cref="ChangeFeedTypes"/>); null for all.</summary>
    public IReadOnlyCollection<string>? Types { get; init; }

    /// <summary>Only this investigation; null for every investigation the outlet takes part in.</summary>
    public Guid? InvestigationId { get; init; }

    /// <summary>Whether to stop when caught up or follow live changes.</summary>
    public SyncFollow Follow { get; init; } = SyncFollow.None;

    /// <summary>Entries per page while catching up (1 to 1000).</summary>
    public int PageSize { get; init; } = 500;

    /// <summary>Seconds a long poll waits for a change (1 to 60).</summary>
    public int WaitSeconds { get; init; } = 30;

    /// <summary>Pause before reconnecting after a network failure while following.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);
}

public sealed partial class ConsortiumClient
{
    /// <summary>
    /// One page of the feed of every change (<c>GET /api/changes</c>) after <paramref name="after"/>; with
    /// <paramref name="waitSeconds"/> the server holds an empty answer open until something changes (a long poll).
    /// </summary>
    /// <param name="after">The cursor of an earlier page or entry; null from the beginning.</param>
    /// <param name="types">Only these types (<see cref="ChangeFeedTypes"/>); null for all.</param>
    /// <param name="investigationId">Only this investigation; null for all.</param>
    /// <param name="limit">At most this many entries (1 to 1000).</param>
    /// <param name="waitSeconds">Seconds to wait for a change when there is none (0 to 60); null answers at once.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<ChangeFeedPage> ReadChangeFeedAsync(string? after = null, IEnumerable<string>? types = null, Guid? investigationId = null, int limit = 500,
        int? waitSeconds = null, CancellationToken cancellationToken = default) =>
        GetAsync<ChangeFeedPage>(FeedPath(after, types, investigationId, limit, waitSeconds), cancellationToken);

    /// <summary>
    /// Every change the caller may see, in commit order, from <see cref="SyncOptions.After"/>: pages through until
    /// caught up, then (with <see cref="SyncOptions.Follow"/>) keeps following live changes, reconnecting after network
    /// failures and resuming from the last entry it yielded. Store each entry's <see cref="ChangeFeedEntry.Cursor"/>
    /// once you have applied it, and pass it as <see cref="SyncOptions.After"/> next time: nothing is missed or repeated.
    /// Problems the server answers (a bad cursor, a revoked client) are thrown as <see cref="ConsortiumProblemException"/>.
    /// </summary>
    /// <param name="options">What to read and how; null reads everything once.</param>
    /// <param name="cancellationToken">Stops the sync (the enumeration ends by throwing <see cref="OperationCanceledException"/>).</param>
    public async IAsyncEnumerable<ChangeFeedEntry> SyncAsync(SyncOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options ??= new SyncOptions();
        var cursor = options.After;
        // While catching up, the next page is asked for as soon as a page's headers name it (Consortium-Next-Cursor),
        // while this page's body is still being read and parsed, and before its entries are handed out: the server reads
        // and renders it meanwhile. A server that does not name it is asked once the body's cursor is known. A caller
        // that stops early cancels the page asked for ahead.
        using (var ahead = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            Task<HttpResponseMessage>? next = RequestFeedPageAsync(cursor, options, ahead.Token);
            string? askedFor = null;
            try
            {
                while (next is not null)
                {
                    ChangeFeedPage page;
                    using (var response = await next)
                    {
                        next = null;
                        await EnsureSuccessAsync(response, cancellationToken);
                        if (response.Headers.TryGetValues(NextCursorHeader, out var named) && named.FirstOrDefault() is { Length: > 0 } nextCursor)
                        {
                            askedFor = nextCursor;
                            next = RequestFeedPageAsync(nextCursor, options, ahead.Token);
                        }
                        page = (await response.Content.ReadFromJsonAsync<ChangeFeedPage>(Json, cancellationToken))!;
                    }
                    cursor = page.Cursor;
                    if (next is not null && (!page.HasMore || askedFor != page.Cursor))
                    {
                        // The header and the body disagree (never from our server): the body's cursor is the truth, so the page
                        // asked for ahead is dropped and the next one asked for from the body's cursor below.
                        await DropAsync(next);
                        next = null;
                    }
                    if (next is null && page.HasMore)
                    {
                        next = RequestFeedPageAsync(cursor, options, ahead.Token);
                    }
                    foreach (var entry in page.Items)
                    {
                        yield return entry;
                    }
                }
            }
            finally
            {
                if (next is not null)
                {
                    await ahead.CancelAsync();
                    await DropAsync(next);
                }
            }
        }
        while (options.Follow != SyncFollow.None)
        {
            if (options.Follow == SyncFollow.LongPoll)
            {
                var page = await FollowAsync(() => ReadChangeFeedAsync(cursor, options.Types, options.InvestigationId, options.PageSize, options.WaitSeconds, cancellationToken),
                    options, cancellationToken);
                if (page is null)
                {
                    continue;
                }
                foreach (var entry in page.Items)
                {
                    yield return entry;
                }
                cursor = page.Cursor;
                continue;
            }
            var stream = await FollowAsync(() => OpenEventStreamAsync(cursor, options, cancellationToken), options, cancellationToken);
            if (stream is null)
            {
                continue;
            }
            using (stream)
            {
                while (await FollowAsync(() => stream.NextAsync(cancellationToken), options, cancellationToken) is { } entry)
                {
                    cursor = entry.Cursor;
                    yield return entry;
                }
            }
        }
    }

    /// <summary>Runs one step of following; a network failure waits <see cref="SyncOptions.RetryDelay"/> and answers null (resume from the cursor).</summary>
    private static async Task<T?> FollowAsync<T>(Func<Task<T>> step, SyncOptions options, CancellationToken cancellationToken) where T : class?
    {
        try
        {
            return await step();
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is HttpRequestException or IOException or TaskCanceledException
                                      || e is ConsortiumProblemException { Status: >= System.Net.HttpStatusCode.InternalServerError } && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(options.RetryDelay, cancellationToken);
            return null;
        }
    }

    private async Task<EventStream?> OpenEventStreamAsync(string? cursor, SyncOptions options, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, FeedPath(null, options.Types, options.InvestigationId, options.PageSize, null));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (cursor is not null)
        {
            request.Headers.Add("Last-Event-ID", cursor);
        }
        if (accessToken is not null && await accessToken(cancellationToken) is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        HttpResponseMessage? response = null;
        try
        {
            // Headers only: the body is the open stream, read event by event.
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            await EnsureSuccessAsync(response, cancellationToken);
            var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var stream = new EventStream(request, response, new StreamReader(body, Encoding.UTF8));
            response = null;
            return stream;
        }
        finally
        {
            if (response is not null)
            {
                response.Dispose();
                request.Dispose();
            }
        }
    }

    private const string NextCursorHeader = "Consortium-Next-Cursor";

    private static async Task DropAsync(Task<HttpResponseMessage> request)
    {
        await ((Task)request).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (request.IsCompletedSuccessfully)
        {
            request.Result.Dispose();
        }
    }

    private async Task<HttpResponseMessage> RequestFeedPageAsync(string? after, SyncOptions options, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, FeedPath(after, options.Types, options.InvestigationId, options.PageSize, null));
        return await SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    private static string FeedPath(string? after, IEnumerable<string>? types, Guid? investigationId, int limit, int? waitSeconds)
    {
        var path = new StringBuilder("api/changes?limit=").Append(limit);
        if (after is not null)
        {
            path.Append("&after=").Append(Uri.EscapeDataString(after));
        }
        if (types is not null && types.Any())
        {
            path.Append("&types=").Append(Uri.EscapeDataString(string.Join(',', types)));
        }
        if (investigationId is { } id)
        {
            path.Append("&investigation=").Append(id);
        }
        if (waitSeconds is { } wait)
        {
            path.Append("&wait=").Append(wait);
        }
        return path.ToString();
    }

    /// <summary>A server-sent events stream of the feed: <c>id:</c> is the entry's cursor, <c>data:</c> the entry; comment lines are heartbeats.</summary>
    private sealed class EventStream(HttpRequestMessage request, HttpResponseMessage response, StreamReader reader) : IDisposable
    {
        /// <summary>The next entry, or null when the server ended the stream (it stops, or the connection dropped).</summary>
        public async Task<ChangeFeedEntry?> NextAsync(CancellationToken cancellationToken)
        {
            var data = new StringBuilder();
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.Length == 0)
                {
                    if (data.Length > 0)
                    {
                        return JsonSerializer.Deserialize<ChangeFeedEntry>(data.ToString(), Json);
                    }
                    continue;
                }
                if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    data.Append(line.AsSpan(line.StartsWith("data: ", StringComparison.Ordinal) ? 6 : 5));
                }
            }
            return null;
        }

        public void Dispose()
        {
            reader.Dispose();
            response.Dispose();
            request.Dispose();
        }
    }
}
