using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Consortium.Server.Tests.Webhooks;

/// <summary>One request as the receiver got it.</summary>
public sealed record ReceivedWebhook(string Id, string Timestamp, string Signature, string Body)
{
    public System.Text.Json.JsonElement Json => System.Text.Json.JsonDocument.Parse(Body).RootElement;

    public string Type => Json.GetProperty("type").GetString()!;
}

/// <summary>
/// A partner's webhook receiver: a small Kestrel app on 127.0.0.1. It records every request and answers 503 to the
/// first <see cref="FailFirst"/> ones, 204 after that.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentQueue<ReceivedWebhook> received = new();
    private readonly SemaphoreSlim arrived = new(0);
    private int failFirst;

    private WebhookReceiver(WebApplication app)
    {
        this.app = app;
    }

    /// <summary>Runs before the receiver answers a request: what happens elsewhere while a delivery is in flight.</summary>
    public Func<ReceivedWebhook, Task>? WhileAnswering { get; set; }

    public int FailFirst { get => Volatile.Read(ref failFirst); set => Volatile.Write(ref failFirst, value); }

    public IReadOnlyList<ReceivedWebhook> Received => received.ToArray();

    public string Url { get; private set; } = "";

    public static async Task<WebhookReceiver> StartAsync(int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hook", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var message = new ReceivedWebhook(http.Request.Headers["webhook-id"].ToString(), http.Request.Headers["webhook-timestamp"].ToString(),
                http.Request.Headers["webhook-signature"].ToString(), body);
            if (receiver.WhileAnswering is { } whileAnswering)
            {
                await whileAnswering(message);
            }
            receiver.received.Enqueue(message);
            var fail = Interlocked.Decrement(ref receiver.failFirst) >= 0;
            receiver.arrived.Release();
            return fail ? Results.Text("temporarily down: " + new string('x', 2000), statusCode: 503) : Results.NoContent();
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = address.TrimEnd('/') + "/hook";
        return receiver;
    }

    /// <summary>Waits until a received request matches (a generous bound, only so a broken build ends).</summary>
    public async Task<ReceivedWebhook> WaitForAsync(Func<ReceivedWebhook, bool> match, int count = 1)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var matching = received.Where(match).ToList();
            if (matching.Count >= count)
            {
                return matching[count - 1];
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Got {matching.Count} of {count} matching webhooks; all: {string.Join(", ", received.Select(r => r.Type))}");
            }
            await arrived.WaitAsync(TimeSpan.FromMilliseconds(500));
        }
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}

/// <summary>
/// The Standard Webhooks verification written from the specification, independent of the server's library:
/// HMAC-SHA256 keyed with the base64-decoded secret (after <c>whsec_</c>) over <c>{id}.{timestamp}.{body}</c>, base64,
/// compared in constant time with each <c>v1,</c> signature of the space-separated header, and the timestamp within a
/// tolerance of now (replay protection).
/// </summary>
public static class StandardWebhooksSpec
{
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    public static bool Verify(string secret, ReceivedWebhook message, DateTimeOffset now) =>
        Verify(secret, message.Id, message.Timestamp, message.Body, message.Signature, now);

    public static bool Verify(string secret, string id, string timestamp, string body, string signatureHeader, DateTimeOffset now)
    {
        if (!long.TryParse(timestamp, out var seconds) || (now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > Tolerance)
        {
            return false;
        }
        var expected = Encoding.ASCII.GetBytes(Sign(secret, id, timestamp, body));
        return signatureHeader.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(s => s.StartsWith("v1,", StringComparison.Ordinal))
            .Any(s => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(s[3..]), expected));
    }

    public static string Sign(string secret, string id, string timestamp, string body)
    {
        var key = Convert.FromBase64String(secret.StartsWith("whsec_", StringComparison.Ordinal) ? secret["whsec_".Length..] : secret);
        return Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}")));
    }
}
