using System.Globalization;
using System.Net.Http.Json;
using Npgsql;

namespace Consortium.Server.Tests.Webhooks;

/// <summary>
/// A server that accepts loopback http:// targets (the receiver in the test) and retries after milliseconds, not
/// seconds. The collection's server does not deliver: tests start a delivering node on its database, so a restart
/// is theirs to make.
/// </summary>
public sealed class WebhookServer : ConsortiumServer
{
    private readonly bool deliver;
    private readonly TimeSpan retryFor;

    public WebhookServer() : this(deliver: false, TimeSpan.FromDays(3))
    {
    }

    private WebhookServer(bool deliver, TimeSpan retryFor)
    {
        this.deliver = deliver;
        this.retryFor = retryFor;
    }

    protected override IEnumerable<(string Key, string Value)> Settings =>
    [
        ("Webhooks:AllowHttp", "true"),
        ("Webhooks:AllowPrivateNetworks", "true"),
        ("Webhooks:Deliver", deliver.ToString(CultureInfo.InvariantCulture)),
        ("Webhooks:RetryBaseDelay", "00:00:00.050"),
        ("Webhooks:RetryMaxDelay", "00:00:00.200"),
        ("Webhooks:PollInterval", "00:00:00.100"),
        // The tests register, enable and redeliver far more often than an administrator does.
        ("RateLimits:WebhookActionsPerMinute", "10000"),
        // Every entry after a round's first is read again before it is sent, as a slow receiver would make it.
        ("Webhooks:AccessRecheckAfter", "00:00:00"),
        ("Webhooks:Timeout", "00:00:05"),
        ("Webhooks:RetryFor", retryFor.ToString("c", CultureInfo.InvariantCulture)),
    ];

    /// <summary>A node on this server's database that delivers webhooks. Dispose it to stop it (a shutdown).</summary>
    /// <param name="retryFor">How long the node lets an endpoint fail before disabling it.</param>
    public Task<WebhookServer> StartDeliveringNodeAsync(TimeSpan? retryFor = null) => SharingDatabaseWithAsync(this, new WebhookServer(deliver: true, retryFor ?? TimeSpan.FromDays(3)));
}

[CollectionDefinition(Name)]
public sealed class WebhooksCollection : ICollectionFixture<WebhookServer>
{
    public const string Name = "Webhooks";
}

public abstract class WebhookTest(WebhookServer server) : ServerTest(server), IAsyncLifetime
{
    protected new WebhookServer Server => (WebhookServer)base.Server;

    async Task IAsyncLifetime.InitializeAsync()
    {
        await Server.ResetAsync();
        await using var connection = new NpgsqlConnection(Server.ConnectionString);
        await connection.OpenAsync();
        await using var clear = new NpgsqlCommand("truncate consortium.webhook_endpoint cascade", connection);
        await clear.ExecuteNonQueryAsync();
    }

    protected async Task<HttpResponseMessage> SendAsync(string user, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        return await Server.ClientFor(user).SendAsync(request);
    }

    protected async Task<T> SendAsync<T>(string user, HttpMethod method, string path, object? body = null)
    {
        using var response = await SendAsync(user, method, path, body);
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<T>())!;
    }

    /// <summary>An endpoint of <paramref name="admin"/>'s outlet (the account is made an administrator).</summary>
    protected async Task<WebhookEndpointCreated> GivenEndpointAsync(string admin, string url, IReadOnlyList<string>? types = null)
    {
        await Server.Accounts.AccountAsync(admin, outletAdmin: true);
        return await SendAsync<WebhookEndpointCreated>(admin, HttpMethod.Post, "api/outlet/webhooks", new NewWebhookEndpoint(url, types, null, "test receiver"));
    }

    protected Task<List<WebhookDeliveryView>> DeliveriesAsync(string admin, Guid endpointId) =>
        SendAsync<List<WebhookDeliveryView>>(admin, HttpMethod.Get, $"api/outlet/webhooks/{endpointId}/deliveries");

    /// <summary>
    /// The delivery log once it satisfies <paramref name="done"/>: a receiver has its request before the dispatcher
    /// commits the attempt, so the log is read until it shows it (a generous bound, only so a broken build ends).
    /// </summary>
    protected async Task<List<WebhookDeliveryView>> LogAsync(string admin, Guid endpointId, Func<List<WebhookDeliveryView>, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var log = await DeliveriesAsync(admin, endpointId);
            if (done(log) || DateTime.UtcNow > deadline)
            {
                return log;
            }
            await Task.Delay(50);
        }
    }

    protected static async Task StopAsync(ConsortiumServer node) => await ((IAsyncLifetime)node).DisposeAsync();
}
