using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Consortium.Server.Webhooks;

/// <summary>
/// One HTTP attempt: the Standard Webhooks body <c>{ "type", "timestamp", "data" }</c> with the headers
/// <c>webhook-id</c>, <c>webhook-timestamp</c> and <c>webhook-signature</c>, posted through a handler that connects only
/// to checked addresses (<see cref="WebhookTargets"/>), follows no redirect and uses no proxy. Only the first 256
/// characters of the answer are kept.
/// </summary>
public sealed class WebhookSender : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private const int ExcerptChars = 256;
    private readonly HttpClient http;
    private readonly WebhookSigner signer;
    private readonly WebhookOptions options;
    private readonly TimeProvider clock;

    public WebhookSender(WebhookTargets targets, WebhookSigner signer, WebhookOptions options, TimeProvider clock)
    {
        this.signer = signer;
        this.options = options;
        this.clock = clock;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            // Connections are reused for a while only: a new one resolves and checks the name again.
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            ConnectCallback = (context, cancellationToken) => targets.ConnectAsync(context.DnsEndPoint.Host, context.DnsEndPoint.Port, cancellationToken),
        };
        http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("Consortium-Webhooks", "1"));
    }

    /// <summary>The body a receiver gets for an event; <paramref name="data"/> is the feed entry.</summary>
    public static string Body(string type, DateTimeOffset timestamp, object data) =>
        JsonSerializer.Serialize(new { type, timestamp, data }, Json);

    public async Task<WebhookAttempt> SendAsync(WebhookEndpointRow endpoint, string eventId, string type, object data, bool manual, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var body = Body(type, now, data);
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("webhook-id", eventId);
        request.Headers.Add("webhook-timestamp", now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", signer.Sign(endpoint, eventId, now, body, now));
        var watch = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var excerpt = await ExcerptAsync(response, timeout.Token);
            return new WebhookAttempt(now, (int)response.StatusCode, watch.ElapsedMilliseconds, null, excerpt, manual);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new WebhookAttempt(now, null, watch.ElapsedMilliseconds, $"No answer within {options.Timeout.TotalSeconds:0.#} s", null, manual);
        }
        catch (HttpRequestException e)
        {
            var reason = e.InnerException is WebhookTargetRefusedException refused ? "Refused: " + refused.Message : e.InnerException?.Message ?? e.Message;
            return new WebhookAttempt(now, null, watch.ElapsedMilliseconds, Shorten(reason, 500), null, manual);
        }
    }

    private static async Task<string?> ExcerptAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[ExcerptChars * 4];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken)) > 0)
        {
            read += n;
        }
        return read == 0 ? null : Shorten(Encoding.UTF8.GetString(buffer, 0, read), ExcerptChars);
    }

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..max];

    public void Dispose() => http.Dispose();
}
