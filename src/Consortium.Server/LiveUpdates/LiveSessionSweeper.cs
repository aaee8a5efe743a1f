using Consortium.Server.Identity;

namespace Consortium.Server.LiveUpdates;

/// <summary>
/// Re-checks every open hub connection's credential every couple of seconds and closes those that no longer hold: a
/// token revoked at /connect/revoke or through its deleted client, a browser session ended by sign-out or a changed
/// security stamp, a session past its absolute lifetime. Known revocations close connections at once (AccessRevocation,
/// sign-out); this pass catches the rest, on every node, within <c>LiveUpdates:SessionCheckInterval</c>. When the check
/// itself keeps failing (database unreachable) for longer than <see cref="CheckOutage.Grace"/>, it fails closed: every
/// open connection is closed, since none of them can be shown to hold any more (reconnects are authenticated afresh).
/// </summary>
internal sealed class LiveSessionSweeper(LiveConnections connections, SessionValidity validity, IConfiguration configuration, TimeProvider clock, ILogger<LiveSessionSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(configuration.GetValue("LiveUpdates:SessionCheckInterval", TimeSpan.FromSeconds(2)), clock);
        var outage = new CheckOutage(clock.GetUtcNow());
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var open = connections.Snapshot();
            try
            {
                if (open.Count == 0)
                {
                    outage.Succeeded(clock.GetUtcNow());
                    continue;
                }
                var valid = await validity.StillValidAsync(open.Select(c => c.Context.User!).ToList(), stoppingToken);
                outage.Succeeded(clock.GetUtcNow());
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
                if (outage.Failed(clock.GetUtcNow()))
                {
                    logger.LogError(e, "Re-checking the credentials of live connections has failed for over {Grace}; closing all {Count}", CheckOutage.Grace, open.Count);
                    foreach (var connection in open)
                    {
                        connections.Close(connection.UserId, connection.Context.ConnectionId);
                    }
                }
                else
                {
                    logger.LogWarning(e, "Re-checking the credentials of live connections failed; retrying");
                }
            }
        }
    }
}

/// <summary>How long the credential check has been failing; past <see cref="Grace"/>, the sweeper fails closed.</summary>
internal sealed class CheckOutage(DateTimeOffset start)
{
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

    private DateTimeOffset lastSuccess = start;

    public void Succeeded(DateTimeOffset now) => lastSuccess = now;

    /// <summary>Records a failed check; true when checks have failed for longer than the grace (close everything).</summary>
    public bool Failed(DateTimeOffset now) => now - lastSuccess > Grace;
}
