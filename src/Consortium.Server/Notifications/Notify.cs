using Consortium.Client;
using Consortium.Server.Access;
using Consortium.Server.Annotations;
using Consortium.Server.Identity;
using Marten;

namespace Consortium.Server.Notifications;

/// <summary>
/// Decides who hears of an annotation change and stores their inbox entries in the writing session, so they commit
/// (and are pushed) with the change or not at all. A recipient must be a current member who may read the annotation
/// and its record; nobody is told of their own change.
/// </summary>
public sealed class Notify(IDocumentSession session, AccessPolicy access) : IAnnotationChangeObserver
{
    public async Task OnChangeAsync(Annotation before, Annotation after, object change, ConsortiumUser actor, Investigation investigation, CancellationToken cancellationToken)
    {
        var recipients = new Dictionary<string, (string Reason, string Summary)>(StringComparer.Ordinal);
        var kind = after.Kind;
        void Add(string userId, string reason, string summary) => recipients.TryAdd(userId, (reason, summary));

        var newMentions = (after.Mentions ?? []).Except(before.Mentions ?? []).ToList();
        foreach (var mentioned in newMentions)
        {
            Add(mentioned, NotificationReasons.Mention, $"{actor.DisplayName} mentioned you in a {kind}");
        }
        switch (change)
        {
            case AnnotationAssigned { AssigneeUserId: { } assignee }:
                Add(assignee, NotificationReasons.Assignment, $"{actor.DisplayName} assigned a {kind} to you");
                break;
            case VerificationMoved moved:
                await AddFollowersAsync(after.RecordId, NotificationReasons.Verification, $"{actor.DisplayName} moved a verification to {moved.Verification.State}", Add, cancellationToken);
                break;
            case NoteAdded or AnnotationCreated when after.ParentId is { } parentId:
                if (await session.LoadAsync<Annotation>(parentId, cancellationToken) is { } parent)
                {
                    Add(parent.Author, NotificationReasons.Reply, $"{actor.DisplayName} replied in your thread");
                }
                await AddFollowersAsync(after.RecordId, NotificationReasons.Reply, $"{actor.DisplayName} commented on a record you follow", Add, cancellationToken);
                break;
        }
        if (change is NoteAdded or AnnotationCreated)
        {
            // Annotating a record is following it. A follow that exists stays as it is (its "since" included): storing
            // it again with every note rewrote the row and both its indexes each time (decision 0018, amendment).
            var follow = new RecordFollow(RecordFollow.IdOf(actor.UserId, after.RecordId), actor.UserId, after.RecordId, after.CreatedAt);
            session.QueueSqlCommand(FollowUnlessFollowingSql(session),
                follow.Id, session.DocumentStore.Options.Serializer().ToJson(follow), Guid.CreateVersion7(), typeof(RecordFollow).FullName!);
        }
        recipients.Remove(actor.UserId);
        var now = after.UpdatedAt ?? after.CreatedAt;
        // The stream version of the event being appended: the entry names it, and its sequence is found by it later.
        var version = change is NoteAdded or AnnotationCreated ? 1 : before.Version + 1;
        foreach (var (userId, (reason, summary)) in recipients)
        {
            var member = investigation.People.FirstOrDefault(p => p.UserId == userId && p.IsCurrent(now));
            if (member is null)
            {
                continue;
            }
            var recipient = new ConsortiumUser(member.UserId, member.DisplayName, member.OutletId);
            if (!after.IsVisibleTo(recipient) || await access.RecordAsync(recipient, after.RecordId, cancellationToken) is null)
            {
                continue;
            }
            session.Store(new Notification(Guid.CreateVersion7(), userId, reason, after.Id, after.RecordId, after.InvestigationId, actor.DisplayName, summary, now, 0, Version: version));
        }
    }

    /// <summary>Marten's insert of a <see cref="RecordFollow"/> (its table in this store's schema), doing nothing when the follow exists.</summary>
    private static string FollowUnlessFollowingSql(IDocumentSession session) =>
        $"insert into {session.DocumentStore.Options.Schema.For<RecordFollow>()} (id, data, mt_version, mt_dotnet_type, mt_last_modified) " +
        "values (?, ?::jsonb, ?, ?, transaction_timestamp()) on conflict (id) do nothing";

    private async Task AddFollowersAsync(Guid recordId, string reason, string summary, Action<string, string, string> add, CancellationToken cancellationToken)
    {
        foreach (var follow in await session.Query<RecordFollow>().Where(f => f.RecordId == recordId).ToListAsync(cancellationToken))
        {
            add(follow.UserId, reason, summary);
        }
    }
}
