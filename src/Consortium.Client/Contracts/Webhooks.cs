namespace Consortium.Client;

/// <summary>
/// A webhook endpoint of the caller's outlet: where the outlet's changes are delivered, signed per the Standard
/// Webhooks specification. The secret is never part of it (shown once, at creation or rotation).
/// </summary>
/// <remarks>EventTypes: Entry types (<c>annotation</c>) or event types (<c>annotation.added</c>); empty: every event.</remarks>
/// <remarks>PreviousSecretExpiresAt: Until then the secret replaced by the last rotation signs too.</remarks>
/// <remarks>FailingSince: The first failed attempt of the delivery now being retried; null while deliveries succeed.</remarks>
public sealed record WebhookEndpointView(
    Guid Id,
    string Url,
    string Description,
    IReadOnlyList<string> EventTypes,
    Guid? InvestigationId,
    bool Enabled,
    string? DisabledReason,
    DateTimeOffset CreatedAt,
    DateTimeOffset? PreviousSecretExpiresAt,
    DateTimeOffset? FailingSince,
    DateTimeOffset? NextAttemptAt);

/// <summary>Request to register a webhook endpoint for the caller's outlet.</summary>
public sealed record NewWebhookEndpoint(string Url, IReadOnlyList<string>? EventTypes = null, Guid? InvestigationId = null, string? Description = null);

/// <summary>A new endpoint and its signing secret (<c>whsec_</c> + base64): shown this once, stored encrypted.</summary>
public sealed record WebhookEndpointCreated(WebhookEndpointView Endpoint, string Secret);

/// <summary>Request to replace an endpoint's secret; the old one keeps signing beside the new for <see cref="OverlapHours"/> (default 24, at most 168).</summary>
public sealed record RotateWebhookSecret(int? OverlapHours = null);

/// <summary>An endpoint's new secret, shown this once.</summary>
public sealed record WebhookSecretRotated(WebhookEndpointView Endpoint, string Secret);

/// <summary>One event sent (or being sent) to an endpoint, with every attempt.</summary>
/// <remarks>EventId: The <c>webhook-id</c> header: the same for every attempt and redelivery of this event.</remarks>
/// <remarks>Status: One of <see cref="WebhookDeliveryStatuses"/>.</remarks>
public sealed record WebhookDeliveryView(Guid Id, string EventId, string Type, string Status, int Attempts, DateTimeOffset CreatedAt, IReadOnlyList<WebhookAttemptView> AttemptLog);

/// <summary>One HTTP attempt of a delivery.</summary>
/// <remarks>StatusCode: The receiver's HTTP status; null when no answer came (refused address, timeout, connection error).</remarks>
/// <remarks>Response: The start of the receiver's answer (at most 256 characters); the rest is not kept.</remarks>
/// <remarks>Manual: Asked for by an administrator (redelivery), not by the schedule.</remarks>
public sealed record WebhookAttemptView(DateTimeOffset At, int? StatusCode, long LatencyMs, string? Error, string? Response, bool Manual = false);

/// <summary>Where a delivery stands.</summary>
public static class WebhookDeliveryStatuses
{
    /// <summary>The receiver answered 2xx.</summary>
    public const string Delivered = "delivered";

    /// <summary>Failed so far; the next attempt is scheduled (the endpoint's <see cref="WebhookEndpointView.NextAttemptAt"/>).</summary>
    public const string Retrying = "retrying";

    /// <summary>Failed for the whole retry window; the endpoint was disabled. Enabling it retries this event first.</summary>
    public const string Failed = "failed";

    /// <summary>No longer sent: the outlet may no longer see what it was about (access is checked at every attempt).</summary>
    public const string Withdrawn = "withdrawn";
}

/// <summary>The event types an endpoint can ask for (<c>GET /api/outlet/webhooks/event-types</c>).</summary>
public sealed record WebhookEventTypes(IReadOnlyList<string> EntryTypes, IReadOnlyList<string> EventTypes);

/// <summary>Audit actions of webhook administration and delivery.</summary>
public static class WebhookAuditActions
{
    /// <summary>An endpoint was registered; the detail holds its URL.</summary>
    public const string Created = "webhook.created";

    /// <summary>An endpoint was deleted.</summary>
    public const string Deleted = "webhook.deleted";

    /// <summary>An endpoint's secret was replaced; the detail holds the overlap.</summary>
    public const string SecretRotated = "webhook.secret_rotated";

    /// <summary>An endpoint was disabled, by an administrator or after failing for the whole retry window (the detail says which).</summary>
    public const string Disabled = "webhook.disabled";

    /// <summary>An endpoint was enabled again.</summary>
    public const string Enabled = "webhook.enabled";
}
