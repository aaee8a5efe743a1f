using Consortium.Server.Access;
using Marten;

namespace Consortium.Server.LiveUpdates;

/// <summary>
/// Time-limited memberships end by themselves: every request checks the expiry, and this sweeper closes the open
/// hub connections of people whose membership expired since its last pass, so no live group outlives a grant.
/// </summary>
internal sealed class ExpiredAccessSweeper(IDocumentStore store, LiveConnections connections, TimeProvider clock, ILogger<ExpiredAccessSweeper> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var since = clock.GetUtcNow();
        using var timer = new PeriodicTimer(Interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var now = clock.GetUtcNow();
            try
            {
                await using var session = store.QuerySession();
                // Few investigations exist at a time; a membership index can replace this scan when that changes.
                var investigations = await session.Query<Investigation>().ToListAsync(stoppingToken);
                foreach (var member in investigations.SelectMany(i => i.People).Where(m => m.ExpiresAt is { } e && e > since && e <= now))
                {
                    connections.CloseAllOf(member.UserId);
                }
                since = now;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Sweeping expired memberships failed; retrying");
            }
        }
    }
}
