using Consortium.Server.LiveUpdates;
using Marten;
using Marten.Services;

namespace Consortium.Server.Notifications;

/// <summary>
/// Marten calls this after every commit: each new inbox entry is announced to its owner's connections, with the global
/// sequence number of the change it is about (known only now; the entry names the change by its stream version).
/// </summary>
public sealed class NotificationAnnouncer(ILiveAnnouncer live) : DocumentSessionListenerBase
{
    public override Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
    {
        // New entries are stored unread (Store is an upsert: Marten lists them as updated); marking one read is not news.
        var fresh = commit.Inserted.Concat(commit.Updated).OfType<Notification>().Where(n => !n.Read).ToList();
        if (fresh.Count == 0)
        {
            return Task.CompletedTask;
        }
        var sequences = new Dictionary<Guid, long>();
        var byVersion = new Dictionary<(Guid, long), long>();
        foreach (var e in commit.GetEvents())
        {
            sequences[e.StreamId] = Math.Max(sequences.GetValueOrDefault(e.StreamId), e.Sequence);
            byVersion[(e.StreamId, e.Version)] = e.Sequence;
        }
        foreach (var notification in fresh)
        {
            var sequence = byVersion.TryGetValue((notification.AnnotationId, notification.Version), out var exact) ? exact : sequences.GetValueOrDefault(notification.AnnotationId);
            var view = (notification with { Sequence = sequence }).ToView();
            live.Announce(new LiveAnnouncement([LiveGroups.User(notification.UserId)], c => c.NotificationReceived(view), $"notification {notification.Id}"));
        }
        return Task.CompletedTask;
    }
}
