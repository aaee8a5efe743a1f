using Consortium.Client;
using Consortium.Server.Audit;
using Consortium.Server.Access;
using Consortium.Server.Storage;
using Marten;
using Npgsql;

namespace Consortium.Server.Publication;

/// <summary>
/// Lifts embargoes at their instant, exactly once, never early (docs/decisions/0024-embargo-lift.md). One node leads:
/// the one holding a PostgreSQL session advisory lock on a dedicated connection; the others keep asking. The leader
/// lifts every due embargo, the first round right at start-up (an instant missed while no server ran is lifted then,
/// and the audit entry says how late). Each lift is an append guarded by the wave's stream version, decided on the
/// state read for that append: a second lifter, a move or a cancellation committed meanwhile makes it fail, never
/// double. The database briefly gone: the round fails, is logged, and the next round tries again.
/// </summary>
public sealed class LiftEmbargoes(IServiceScopeFactory scopes, StorageSettings settings, ServerNode node, PublicationClock clock, PublicationOptions options, ILogger<LiftEmbargoes> logger)
    : BackgroundService
{
    // "Lift" in ASCII (Storage's Leadership); advisory locks are per database, so one leader per deployment.
    private const string Role = "embargo-lift";
    private readonly SemaphoreSlim wake = new(0, 1);
    private TaskCompletionSource roundDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly LeaderConnection lead = new(settings, node, Role);

    /// <summary>Beyond this the node's clock and the database's disagree enough to report it (health check).</summary>
    public static readonly TimeSpan TolerableSkew = TimeSpan.FromSeconds(5);

    /// <summary>Whether this node holds the lead (tests, health).</summary>
    public bool IsLeader => lead.Held is not null;

    /// <summary>The database's clock minus this node's, as last measured by the leader (null until measured).</summary>
    public TimeSpan? ClockSkew { get; private set; }

    /// <summary>Starts a round now instead of at the next poll (an embargo was set or moved).</summary>
    public void Wake()
    {
        try
        {
            wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // A wake is pending already.
        }
    }

    /// <summary>Completes when two rounds have ended after the call: the second certainly began after it (tests wait on this, never on a sleep).</summary>
    public async Task RoundsAsync(CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < 2; i++)
        {
            var round = Volatile.Read(ref roundDone).Task;
            Wake();
            await round.WaitAsync(cancellationToken);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.LiftEnabled)
        {
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            var delay = options.LiftPollInterval;
            try
            {
                if (await LeadAsync(stoppingToken))
                {
                    var untilNext = await LiftDueAsync(stoppingToken);
                    if (untilNext is { } wait && wait < delay)
                    {
                        delay = wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
                    }
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Embargo lift round failed; retrying in {Delay}", delay);
                await LoseLeadAsync();
            }
            Interlocked.Exchange(ref roundDone, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            try
            {
                await wake.WaitAsync(delay, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        await LoseLeadAsync();
    }

    /// <summary>Holds (or takes) the lead; a dead connection took its lock with it, so it is checked first.</summary>
    private async Task<bool> LeadAsync(CancellationToken cancellationToken)
    {
        var wasLeading = lead.Held is not null;
        if (!await lead.HoldAsync(cancellationToken))
        {
            return false;
        }
        if (!wasLeading)
        {
            logger.LogInformation("This node lifts embargoes now");
        }
        return true;
    }

    private Task LoseLeadAsync() => lead.ReleaseAsync();

    /// <summary>
    /// "Now" for the lift: the database's clock in production (one clock for every node, so a leader whose own clock
    /// runs fast cannot lift early), the test clock in tests. The node's clock is compared with it for the health check.
    /// </summary>
    private async Task<DateTimeOffset> NowAsync(CancellationToken cancellationToken)
    {
        if (!clock.DatabaseDecidesLift || lead.Held is not { } connection)
        {
            return clock.Now;
        }
        await using var command = new NpgsqlCommand("select clock_timestamp()", connection);
        var database = new DateTimeOffset(DateTime.SpecifyKind((DateTime)(await command.ExecuteScalarAsync(cancellationToken))!, DateTimeKind.Utc));
        var skew = database - clock.Now;
        ClockSkew = skew;
        if (skew.Duration() > TolerableSkew)
        {
            logger.LogWarning("This node's clock is {Skew} off the database's; embargoes lift on the database's clock", skew);
        }
        return database;
    }

    /// <summary>Lifts what is due; returns how long until the next instant still to come.</summary>
    private async Task<TimeSpan?> LiftDueAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var session = scope.ServiceProvider.GetRequiredService<IQuerySession>();
        var now = await NowAsync(cancellationToken);
        var waiting = await session.Query<PublicationWave>().Where(w => w.LiftDue).OrderBy(w => w.EmbargoUtc).ToListAsync(cancellationToken);
        foreach (var wave in waiting.Where(w => w.EmbargoUtc <= now))
        {
            await LiftAsync(wave.Id, cancellationToken);
        }
        return waiting.FirstOrDefault(w => w.EmbargoUtc > now)?.EmbargoUtc - now;
    }

    private async Task LiftAsync(Guid waveId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var writes = scope.ServiceProvider.GetRequiredService<PublicationWrites>();
        var session = writes.Session;
        var wave = await session.LoadAsync<PublicationWave>(waveId, cancellationToken);
        // Read after the state: the commit can only come later, so a wave due now is due at its commit too.
        var now = await NowAsync(cancellationToken);
        // Decided on the state the append is guarded by: moved later, cancelled or lifted meanwhile means no lift now.
        if (wave is null || !wave.LiftDue || wave.EmbargoUtc > now)
        {
            return;
        }
        var late = now - wave.EmbargoUtc;
        if (await session.LoadAsync<Investigation>(wave.InvestigationId, cancellationToken) is { } investigation)
        {
            var participants = (await session.Query<PublicationStory>().Where(s => s.WaveId == waveId).ToListAsync(cancellationToken)).SelectMany(s => s.ParticipantOutletIds).Distinct();
            writes.Notify(investigation, participants, withCoordinators: true, PublicationNoticeKinds.EmbargoLifted, waveId, null,
                $"The embargo of {wave.Name} was lifted at {EmbargoTimes.Describe(wave.EmbargoUtc, wave.Embargo.Zone)}. Publish now.", now);
        }
        var refused = await writes.AppendAsync<PublicationWave>(null, waveId, wave.Version,
            [new EmbargoLifted(now, wave.EmbargoUtc, Early: false, late, PublicationWrites.SystemActor.UserId, PublicationWrites.SystemActor.DisplayName, null)],
            new AuditSubject("publication.embargo-lifted", wave.InvestigationId, "wave", waveId.ToString(), $"lifted at {now:O} for the instant {wave.EmbargoUtc:O}, {Late(late)}"),
            "wave", cancellationToken);
        if (refused is not null)
        {
            logger.LogInformation("Wave {WaveId} changed while being lifted; the next round decides again", waveId);
        }
        else
        {
            logger.LogInformation("Lifted the embargo of wave {WaveId}, {Late}", waveId, Late(late));
        }
    }

    private static string Late(TimeSpan late) => late < TimeSpan.FromSeconds(2)
        ? $"on time ({late.TotalMilliseconds:0} ms after the instant)"
        : $"{(int)late.TotalHours}h {late.Minutes}m {late.Seconds}s late (no server was lifting at the instant)";
}

/// <summary>Degraded when the lifting node's clock and the database's disagree by more than <see cref="LiftEmbargoes.TolerableSkew"/>.</summary>
internal sealed class LiftClockHealthCheck(LiftEmbargoes lifter) : Microsoft.Extensions.Diagnostics.HealthChecks.IHealthCheck
{
    public Task<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult> CheckHealthAsync(
        Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(lifter.ClockSkew is { } skew && skew.Duration() > LiftEmbargoes.TolerableSkew
            ? Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Degraded($"This node's clock is {skew.TotalSeconds:0.0} s off the database's; embargoes lift on the database's clock.")
            : Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy("The lifting clock agrees with the database."));
}
