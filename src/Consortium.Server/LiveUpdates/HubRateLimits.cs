using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.SignalR;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Consortium.Server.LiveUpdates;

/// <summary>
/// Per-person rates of the hub methods that cost the server a permission check or a fan-out to others: joining groups
/// (each join checks access, and joins are how a script would probe ids) and typing notices (each reaches every viewer
/// of a record). Over the limit the call fails with "Too many requests"; the connection stays.
/// Limits per minute: <c>RateLimits:HubJoinsPerMinute</c>, <c>RateLimits:TypingPerMinute</c>.
/// </summary>
internal sealed class HubRateLimits : IHubFilter, IDisposable
{
    private readonly PartitionedRateLimiter<string> joins;
    private readonly PartitionedRateLimiter<string> typing;

    public HubRateLimits(IConfiguration configuration)
    {
        joins = PerPerson(configuration.GetValue("RateLimits:HubJoinsPerMinute", 240));
        typing = PerPerson(configuration.GetValue("RateLimits:TypingPerMinute", 60));
    }

    private static PartitionedRateLimiter<string> PerPerson(int perMinute) =>
        PartitionedRateLimiter.Create<string, string>(user => RateLimitPartition.GetTokenBucketLimiter(user, _ => new TokenBucketRateLimiterOptions
        {
            // A burst of a quarter of the minute's allowance, refilled evenly over the minute.
            TokenLimit = Math.Max(1, perMinute / 4),
            TokensPerPeriod = Math.Max(1, perMinute / 60),
            ReplenishmentPeriod = TimeSpan.FromSeconds(perMinute >= 60 ? 1 : 60.0 / Math.Max(1, perMinute)),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var limiter = invocationContext.HubMethodName switch
        {
            "JoinRecord" or "JoinDataset" or "JoinInvestigationAnnotations" => joins,
            "StartTyping" => typing,
            _ => null,
        };
        if (limiter is not null)
        {
            var user = invocationContext.Context.User?.FindFirstValue(Claims.Subject) ?? invocationContext.Context.ConnectionId;
            using var lease = limiter.AttemptAcquire(user);
            if (!lease.IsAcquired)
            {
                throw new HubException("Too many requests; slow down.");
            }
        }
        return await next(invocationContext);
    }

    public void Dispose()
    {
        joins.Dispose();
        typing.Dispose();
    }
}
