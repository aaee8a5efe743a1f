using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Consortium.Client;
using Consortium.Server.Audit;
using Consortium.Server.Storage;
using Npgsql;

namespace Consortium.Server.Webhooks;

/// <summary>
/// Delivers the feed to every enabled endpoint (docs/decisions/0027-webhooks.md). One node delivers: the one holding a
/// session advisory lock on a dedicated connection. Each endpoint is worked by one task at a time, in feed order, one
/// request in flight: it reads the feed after its stored cursor as its outlet, posts each wanted entry, and stores the
/// deliveries with the new cursor in one transaction. A failure stops that endpoint's queue at the failed entry, which
/// is read again (access re-checked) and retried with exponential backoff and jitter; after
/// <see cref="WebhookOptions.RetryFor"/> of failing the endpoint is disabled and its outlet told (audit entry, and the
/// reason on the endpoint, which the outlet page shows). A crash between a post and its commit sends that entry again
/// after the restart with the same <c>webhook-id</c>: at least once.
/// </summary>
public sealed class WebhookDispatcher(WebhookStore store, IWebhookFeed feed, WebhookSender sender, WebhookOptions options, StorageSettings settings,
    ServerNode node, TimeProvider clock, AuditLog audit, ILogger<WebhookDispatcher> logger) : BackgroundService
{
    // One delivering node per deployment, elected like the other singletons (and so named in /healthz/nodes).
    private const string LeaderRole = "webhook-delivery";
    private readonly ConcurrentDictionary<Guid, StrongBox> running = new();
    private readonly SemaphoreSlim wake = new(0, 1);
    private readonly LeaderConnection lead = new(settings, node, LeaderRole);
    private CancellationToken stopping;
    // The delivery log's retention is applied by the delivering node when it starts delivering, then hourly.
    private DateTimeOffset nextPrune = DateTimeOffset.MinValue;

    private sealed class StrongBox
    {
        public int Again;
        public Task Work = Task.CompletedTask;
    }

    /// <summary>Whether this node delivers now (tests, health).</summary>
    public bool IsLeader => lead.Held is not null;

    /// <summary>Looks at the endpoints now rather than at the next poll (an endpoint was created or enabled).</summary>
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

    /// <summary>The <c>webhook-id</c> of an entry for an endpoint: the same at every attempt, another for each endpoint.</summary>
    public static string EventId(Guid endpointId, string cursor) =>
        "msg_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{endpointId:N}/{cursor}")))[..32];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Deliver)
        {
            return;
        }
        stopping = stoppingToken;
        while (!stoppingToken.IsCancellationRequested)
        {
            var delay = options.PollInterval;
            // With no endpoint enabled there is nothing a commit could be delivered to, and a node that does not lead
            // delivers nothing: the round then waits for its poll or a Wake (an endpoint created or enabled), not for
            // the feed, which signals every commit (at 200 notes a second that was three round trips to the database
            // about 40 times a second, for nothing).
            var anyEnabled = false;
            try
            {
                if (await LeadAsync(stoppingToken))
                {
                    if (clock.GetUtcNow() >= nextPrune)
                    {
                        await PruneAsync(stoppingToken);
                    }
                    foreach (var endpoint in await store.DueAsync(clock.GetUtcNow(), stoppingToken))
                    {
                        Start(endpoint.Id);
                    }
                    var (enabled, nextRetry) = await store.NextRetryAsync(stoppingToken);
                    anyEnabled = enabled;
                    if (nextRetry is { } next && next - clock.GetUtcNow() < delay)
                    {
                        delay = next - clock.GetUtcNow() is { } wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
                    }
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Webhook dispatch round failed; retrying in {Delay}", delay);
                await LoseLeadAsync();
            }
            catch (OperationCanceledException)
            {
                // Stopping in the middle of a round: leave the loop so the lock is given up below, not kept by the
                // session of a process that goes on.
                break;
            }
            try
            {
                if (anyEnabled)
                {
                    using var either = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    var woken = await Task.WhenAny(feed.WaitAsync(delay, either.Token), wake.WaitAsync(delay, either.Token));
                    await either.CancelAsync();
                    await woken;
                }
                else
                {
                    await wake.WaitAsync(delay, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        try
        {
            // Rounds stop at their next await; a post already answered but not yet stored is sent again after the restart.
            await Task.WhenAll(running.Values.Select(b => b.Work));
        }
        catch (OperationCanceledException)
        {
            // A round cut by the shutdown: its entry is sent again by the next leader (at least once).
        }
        finally
        {
            // Whatever the rounds did, the lock must not outlive this node's stop: a process that goes on (a test host,
            // a node restarting its services) would otherwise keep every other node from delivering.
            await LoseLeadAsync();
        }
    }

    private async Task PruneAsync(CancellationToken cancellationToken)
    {
        nextPrune = clock.GetUtcNow() + TimeSpan.FromHours(1);
        try
        {
            var pruned = await store.PruneAsync(clock.GetUtcNow() - options.DeliveryLogRetention, cancellationToken);
            if (pruned > 0)
            {
                logger.LogInformation("Deleted {Count} webhook deliveries older than {Retention} from the delivery log", pruned, options.DeliveryLogRetention);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A log that is not pruned this hour must not stop deliveries; the next hour tries again.
            logger.LogWarning(e, "Could not prune the webhook delivery log");
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await base.StopAsync(cancellationToken);
        }
        finally
        {
            // Also when the host's shutdown timeout ends the wait before the rounds have finished.
            await LoseLeadAsync();
        }
    }

    /// <summary>Starts the endpoint's task, or asks the running one for another round (a commit may have come after its read).</summary>
    private void Start(Guid endpointId)
    {
        var box = new StrongBox();
        if (!running.TryAdd(endpointId, box))
        {
            if (running.TryGetValue(endpointId, out var existing))
            {
                Interlocked.Exchange(ref existing.Again, 1);
            }
            return;
        }
        box.Work = Task.Run(async () =>
        {
            try
            {
                do
                {
                    Interlocked.Exchange(ref box.Again, 0);
                    while (lead.Held is not null && await RoundAsync(endpointId, stopping))
                    {
                    }
                }
                while (Volatile.Read(ref box.Again) == 1 && !stopping.IsCancellationRequested);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
            {
                logger.LogWarning(e, "Webhook round of endpoint {Endpoint} failed", endpointId);
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                running.TryRemove(endpointId, out _);
            }
        });
    }

    /// <summary>One page for one endpoint; true when more is waiting in the feed.</summary>
    private async Task<bool> RoundAsync(Guid endpointId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (await store.ForDispatchAsync(endpointId, cancellationToken) is not { } endpoint || !endpoint.Enabled || endpoint.NextAttemptAt > now)
        {
            return false;
        }
        var page = await feed.ReadAsync(endpoint.OutletId, endpoint.Cursor, WebhookOptions.PageSize, endpoint.EntryTypes, endpoint.InvestigationId, cancellationToken);
        var writes = new List<DeliveryWrite>();
        var cursor = endpoint.Cursor;
        WebhookAttempt? failed = null;
        var giveUp = false;
        // A page is read (access checked) once; sending it can take up to a timeout per entry. Past the recheck age the
        // round ends at the last entry handled and the rest is read again, so nothing goes out long after its check.
        var stale = false;
        foreach (var entry in page.Items)
        {
            if (writes.Count > 0 && clock.GetUtcNow() - now >= options.AccessRecheckAfter)
            {
                stale = true;
                break;
            }
            if (!endpoint.Wants(entry.EventType))
            {
                cursor = entry.Cursor;
                continue;
            }
            var eventId = EventId(endpoint.Id, entry.Cursor);
            var attempt = await sender.SendAsync(endpoint, eventId, entry.EventType, entry.Data, manual: false, cancellationToken);
            if (!attempt.Succeeded)
            {
                failed = attempt;
                giveUp = endpoint.FailingSince is { } since && attempt.At - since >= options.RetryFor;
                writes.Add(new DeliveryWrite(Guid.CreateVersion7(), eventId, entry.EventType, entry.Cursor, cursor, giveUp ? WebhookDeliveryStatuses.Failed : WebhookDeliveryStatuses.Retrying, attempt));
                break;
            }
            writes.Add(new DeliveryWrite(Guid.CreateVersion7(), eventId, entry.EventType, entry.Cursor, cursor, WebhookDeliveryStatuses.Delivered, attempt));
            cursor = entry.Cursor;
        }
        if (failed is null && !stale)
        {
            // The page's cursor, not its last item's: entries the outlet may not see are read and left out, and passed.
            cursor = page.Cursor is { Length: > 0 } end ? end : cursor;
        }
        if (writes.Count == 0 && cursor == endpoint.Cursor && endpoint.FailingSince is null)
        {
            return false;
        }
        string? reason = null;
        await store.SaveRoundAsync(endpoint.Id, writes, wasFailing: endpoint.FailingSince is not null, attempts =>
        {
            if (failed is null)
            {
                return new EndpointProgress(cursor, null, null);
            }
            var since = endpoint.FailingSince ?? failed.At;
            if (giveUp)
            {
                reason = $"Disabled after failing since {since:u}: {failed.Error ?? $"HTTP {failed.StatusCode}"}";
                return new EndpointProgress(cursor, since, null, reason);
            }
            return new EndpointProgress(cursor, since, failed.At + Backoff(attempts));
        }, cancellationToken);
        if (reason is not null)
        {
            logger.LogWarning("Webhook endpoint {Endpoint} of {Outlet} disabled: {Reason}", endpoint.Id, endpoint.OutletId, reason);
            await audit.RecordAsync(new AuditActor("webhooks", "Webhook deliveries", endpoint.OutletId), new AuditOrigin("server", null, null),
                new AuditSubject(WebhookAuditActions.Disabled, endpoint.InvestigationId, "webhook", endpoint.Id.ToString(), reason), cancellationToken);
        }
        return failed is null && (stale || page.HasMore);
    }

    /// <summary>Exponential from the base delay, capped, with "equal jitter" (half fixed, half random) so endpoints failing together spread out.</summary>
    private TimeSpan Backoff(int attempts)
    {
        var exponential = options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(Math.Max(attempts - 1, 0), 30));
        var capped = Math.Min(exponential, options.RetryMaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds((capped / 2) + (Random.Shared.NextDouble() * capped / 2));
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
            logger.LogInformation("This node delivers webhooks now");
        }
        return true;
    }

    private Task LoseLeadAsync() => lead.ReleaseAsync();
}
