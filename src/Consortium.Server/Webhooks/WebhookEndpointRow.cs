using Consortium.Client;

namespace Consortium.Server.Webhooks;

/// <summary>An endpoint as stored; the secrets are Data Protection payloads, unprotected only to sign.</summary>
public sealed record WebhookEndpointRow(
    Guid Id,
    string OutletId,
    string Url,
    string Description,
    string[] EventTypes,
    Guid? InvestigationId,
    string ProtectedSecret,
    string? ProtectedPreviousSecret,
    DateTimeOffset? PreviousUntil,
    bool Enabled,
    string? DisabledReason,
    string Cursor,
    DateTimeOffset? FailingSince,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset CreatedAt,
    string CreatedBy)
{
    public WebhookEndpointView ToView(DateTimeOffset now) => new(Id, Url, Description, EventTypes, InvestigationId, Enabled, DisabledReason, CreatedAt,
        PreviousUntil is { } until && until > now ? until : null, FailingSince, NextAttemptAt);

    /// <summary>Whether an event of <paramref name="eventType"/> ("annotation.added") goes to this endpoint.</summary>
    public bool Wants(string eventType) =>
        EventTypes.Length == 0 || EventTypes.Any(t => t == eventType || (!t.Contains('.', StringComparison.Ordinal) && eventType.StartsWith(t + ".", StringComparison.Ordinal)));

    /// <summary>The feed entry types the endpoint's filter needs read (null: all of them).</summary>
    public IReadOnlyCollection<string>? EntryTypes =>
        EventTypes.Length == 0 ? null : EventTypes.Select(t => t.Split('.')[0]).Distinct(StringComparer.Ordinal).ToArray();
}

/// <summary>One attempt as stored in a delivery's <c>attempts</c> array.</summary>
public sealed record WebhookAttempt(DateTimeOffset At, int? StatusCode, long LatencyMs, string? Error, string? Response, bool Manual = false)
{
    public bool Succeeded => StatusCode is >= 200 and < 300;

    public WebhookAttemptView ToView() => new(At, StatusCode, LatencyMs, Error, Response, Manual);
}
