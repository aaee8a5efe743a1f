using Consortium.Client;
using Marten;

namespace Consortium.Server.Notifications;

/// <summary>
/// An inbox entry of one person. The summary names who did what on which record, never the annotation's text: the
/// text stays behind the annotation's own visibility, which the inbox re-checks when it is read.
/// <see cref="Version"/> is the annotation's stream version the entry is about: known before commit, unlike the global
/// sequence number, which Marten assigns while committing. The inbox looks the sequence up by it when listing
/// (<see cref="Sequence"/> is stored 0; entries made before <see cref="Version"/> existed keep version 0).
/// </summary>
public sealed record Notification(
    Guid Id,
    string UserId,
    string Reason,
    Guid AnnotationId,
    Guid RecordId,
    Guid InvestigationId,
    string ByName,
    string Summary,
    DateTimeOffset At,
    long Sequence,
    bool Read = false,
    long Version = 0)
{
    public NotificationView ToView() => new(Id, Reason, AnnotationId, RecordId, InvestigationId, ByName, Summary, At, Read, Sequence);
}

/// <summary>Someone follows a record: replies, verification changes and assignments on it reach their inbox. Id: "user:record".</summary>
public sealed record RecordFollow(string Id, string UserId, Guid RecordId, DateTimeOffset Since)
{
    public static string IdOf(string userId, Guid recordId) => $"{userId}:{recordId}";
}

/// <summary>A person's digest preference. Id: the user id.</summary>
public sealed record DigestSetting(string Id, bool DailyDigest, int HourUtc);

internal static class NotificationDocuments
{
    public static void RegisterNotificationDocuments(this StoreOptions options)
    {
        options.Schema.For<Notification>().Index(n => n.UserId);
        options.Schema.For<RecordFollow>().Index(f => f.RecordId);
        options.Schema.For<DigestSetting>();
    }
}
