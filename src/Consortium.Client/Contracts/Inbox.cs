namespace Consortium.Client;

/// <summary>
/// An inbox entry: a mention, a reply, an assignment or a verification change on a followed record.
/// <see cref="Sequence"/> is the global sequence number of the change that caused it on a live push, 0 in listings.
/// </summary>
public sealed record NotificationView(Guid Id, string Reason, Guid AnnotationId, Guid RecordId, Guid InvestigationId, string ByName, string Summary, DateTimeOffset At, bool Read, long Sequence);

/// <summary>The values of <see cref="NotificationView.Reason"/>.</summary>
public static class NotificationReasons
{
    /// <summary>The value <c>mention</c>.</summary>
    public const string Mention = "mention";
    /// <summary>The value <c>reply</c>.</summary>
    public const string Reply = "reply";
    /// <summary>The value <c>assignment</c>.</summary>
    public const string Assignment = "assignment";
    /// <summary>The value <c>verification</c>.</summary>
    public const string Verification = "verification";
}

/// <summary>Whether the caller follows a record (<c>GET /api/records/{id}/follow</c>).</summary>
public sealed record FollowState(bool Following);

/// <summary>The caller's notification preference: a daily digest instead of (or besides) the live inbox.</summary>
public sealed record DigestPreference(bool DailyDigest, int HourUtc = 7);
