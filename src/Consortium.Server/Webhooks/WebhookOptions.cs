namespace Consortium.Server.Webhooks;

/// <summary>Webhook settings (docs/operations.md). Read on each use, so a test fixture's settings apply at once.</summary>
public sealed class WebhookOptions(IConfiguration configuration)
{
    /// <summary>Plain http:// targets; off by default, since a delivery's body then crosses the network readable.</summary>
    public bool AllowHttp => configuration.GetValue("Webhooks:AllowHttp", false);

    /// <summary>Loopback, private, link-local and other non-public addresses as targets (SSRF guard off for them).</summary>
    public bool AllowPrivateNetworks => configuration.GetValue("Webhooks:AllowPrivateNetworks", false);

    /// <summary>Whether this node runs the dispatcher at all (one node delivers at a time in any case).</summary>
    public bool Deliver => configuration.GetValue("Webhooks:Deliver", true);

    /// <summary>The first retry's delay; each further one doubles it, with jitter, up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryBaseDelay => configuration.GetValue("Webhooks:RetryBaseDelay", TimeSpan.FromSeconds(5));

    public TimeSpan RetryMaxDelay => configuration.GetValue("Webhooks:RetryMaxDelay", TimeSpan.FromHours(6));

    /// <summary>How long an endpoint may fail before it is disabled and its administrators told.</summary>
    public TimeSpan RetryFor => configuration.GetValue("Webhooks:RetryFor", TimeSpan.FromDays(3));

    /// <summary>A delivery's whole request, connection included.</summary>
    public TimeSpan Timeout => configuration.GetValue("Webhooks:Timeout", TimeSpan.FromSeconds(10));

    /// <summary>
    /// How long after reading a page of the feed (and so checking the outlet's access to it) its entries may still be
    /// sent; past it the round stores its cursor and reads the rest again, access re-checked.
    /// </summary>
    public TimeSpan AccessRecheckAfter => configuration.GetValue("Webhooks:AccessRecheckAfter", TimeSpan.FromSeconds(30));

    /// <summary>
    /// How long the delivery log keeps a delivery that ended (delivered or withdrawn); the delivering node deletes older
    /// ones when it starts delivering and hourly after. Redelivering such an event is no longer possible.
    /// </summary>
    public TimeSpan DeliveryLogRetention => configuration.GetValue("Webhooks:DeliveryLogRetention", TimeSpan.FromDays(30));

    /// <summary>How often the dispatcher looks without being woken by a commit (retries falling due, a lost wake-up).</summary>
    public TimeSpan PollInterval => configuration.GetValue("Webhooks:PollInterval", TimeSpan.FromSeconds(1));

    /// <summary>How long the old secret keeps signing after a rotation unless the request names another window.</summary>
    public static readonly TimeSpan DefaultOverlap = TimeSpan.FromHours(24);

    public static readonly TimeSpan MaxOverlap = TimeSpan.FromDays(7);

    /// <summary>Endpoints one outlet may register.</summary>
    public const int MaxEndpointsPerOutlet = 25;

    /// <summary>Feed entries read per endpoint per round.</summary>
    public const int PageSize = 100;
}
