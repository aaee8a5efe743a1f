using Consortium.Server.Storage;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Consortium.Server.LiveUpdates;

/// <summary>
/// What LiveUpdates adds when the server runs as one of several nodes (<c>Redis:Configuration</c> set, decision 0029):
/// one Redis connection for SignalR's backplane, the relay of annotation changes and withdrawals, and shared presence;
/// and a health check that reports Redis away as degraded (HTTP serves on, pushes wait), never unhealthy.
/// </summary>
internal static class ClusterRegistration
{
    public static void AddClusterLiveUpdates(this WebApplicationBuilder builder, ISignalRServerBuilder signalR, ServerNode node)
    {
        var options = ConfigurationOptions.Parse(node.Redis!);
        // Start and keep serving without Redis; reconnect in the background; fail sends at once rather than queue
        // stale pushes for later (clients catch up from the feed instead).
        options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ClientName ??= "consortium-" + node.Id;
        var redis = ConnectionMultiplexer.Connect(options);
        builder.Services.AddSingleton<IConnectionMultiplexer>(redis);
        signalR.AddStackExchangeRedis(redisOptions =>
        {
            redisOptions.Configuration.ChannelPrefix = RedisChannel.Literal(node.RedisPrefix + ":hub");
            redisOptions.ConnectionFactory = _ => Task.FromResult<IConnectionMultiplexer>(redis);
        });
        builder.Services.AddSingleton<HubLifetimeManager<ConsortiumHub>, LocalFirstRedisLifetimeManager>();
        builder.Services.AddSingleton<WithdrawalLog>();
        builder.Services.AddHostedService(services => services.GetRequiredService<WithdrawalLog>());
        builder.Services.AddSingleton<ClusterRelay>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ClusterRelay>());
        builder.Services.AddSingleton<SharedPresence>();
        builder.Services.AddHostedService(services => services.GetRequiredService<SharedPresence>());
        builder.Services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis", HealthStatus.Degraded);
    }
}

/// <summary>Degraded, not unhealthy, while Redis is away: a load balancer must keep sending HTTP to this node.</summary>
internal sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!redis.IsConnected)
        {
            return HealthCheckResult.Degraded("Redis is not reachable: live pushes between nodes wait; clients catch up from the changes feed.");
        }
        try
        {
            await redis.GetDatabase().PingAsync();
            return HealthCheckResult.Healthy();
        }
        catch (RedisException e)
        {
            return HealthCheckResult.Degraded("Redis does not answer.", e);
        }
    }
}
