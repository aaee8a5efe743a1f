using Consortium.Server.Identity;

namespace Consortium.Server.LiveUpdates;

/// <summary>
/// Re-checks every open hub connection's credential every couple of seconds and closes those that no longer hold: a
/// token revoked at /connect/revoke or through its deleted client, a browser session ended by sign-out or a changed
/// security stamp, a session past its absolute lifetime. Known revocations close connections at once (AccessRevocation,
/// sign-out); this pass catches the rest, on every node, within <c>LiveUpdates:SessionCheckInterval</c>.
/// </summary>
internal sealed class LiveSessionSweeper(LiveConnections connections, SessionValidity validity, IConfiguration configuration, TimeProvider clock, ILogger<LiveSessionSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(configuration.GetValue("LiveUpdates:SessionCheckInterval", TimeSpan.FromSeconds(2)), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var open = connections.Snapshot();
                if (open.Count == 0)
                {
                    continue;
                }
                var valid = await validity.StillValidAsync(open.Select(c => c.Context.User!).ToList(), stoppingToken);
                for (var i = 0; i < open.Count; i++)
                {
                    if (!valid[i])
                    {
                        connections.Close(open[i].UserId, open[i].Context.ConnectionId);
                    }
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Re-checking the credentials of live connections failed; retrying");
            }
        }
    }
}
