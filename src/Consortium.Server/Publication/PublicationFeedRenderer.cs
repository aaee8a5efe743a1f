using Consortium.Client;
using Consortium.Server.Identity;
using Consortium.Server.Sync;
using Marten;

namespace Consortium.Server.Publication;

/// <summary>
/// Renders the embargo desk's entries of the feed of every change (decision 0026): a story (or its sign-off or letter)
/// only for outlets taking part in it now, a wave's embargo for coordinators and outlets taking part in one of its
/// stories, the same rule as the plan's read (<see cref="PublicationAccess.PlanAsync"/>), in the REST views.
/// </summary>
public sealed class PublicationFeedRenderer(PublicationAccess access, IQuerySession session, PublicationOptions options) : IChangeFeedRenderer
{
    public IReadOnlyCollection<string> Types { get; } = [ChangeFeedTypes.Story, ChangeFeedTypes.Embargo, ChangeFeedTypes.SignOff, ChangeFeedTypes.Letter];

    public async Task<IReadOnlyList<object?>> RenderAsync(FeedReader reader, IReadOnlyList<StoredChange> changes, CancellationToken cancellationToken)
    {
        var user = new ConsortiumUser(reader.UserId ?? "", "", reader.OutletId, IsSyncClient: reader.UserId is null);
        var serializer = session.DocumentStore.Options.Serializer();
        var viewer = await ViewerZones.OfAsync(session, user.UserId, user.OutletId, null, cancellationToken);
        var plans = new Dictionary<Guid, (HashSet<Guid> Visible, Dictionary<Guid, PublicationWave> Waves, bool Coordinator)?>();
        var participants = new Dictionary<Guid, IReadOnlyList<string>>();
        var views = new object?[changes.Count];
        for (var i = 0; i < changes.Count; i++)
        {
            var change = changes[i];
            if (change.InvestigationId is not { } investigationId)
            {
                continue;
            }
            if (!plans.TryGetValue(investigationId, out var plan))
            {
                plans[investigationId] = plan = await access.PlanAsync(user, investigationId, cancellationToken) is { } p
                    ? (p.Stories.Select(s => s.Id).Concat(p.Waves.Select(w => w.Id)).ToHashSet(),
                        (await session.Query<PublicationWave>().Where(w => w.InvestigationId == investigationId).ToListAsync(cancellationToken)).ToDictionary(w => w.Id),
                        PublicationAccess.CanPlan(p.Role))
                    : null;
            }
            if (plan is not { } seen || !Guid.TryParse(change.ObjectId, out var id) || !seen.Visible.Contains(id))
            {
                continue;
            }
            using var data = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(change.Data));
            if (change.Type == ChangeFeedTypes.Embargo)
            {
                var wave = serializer.FromJson<PublicationWave>(data);
                if (!participants.TryGetValue(id, out var outlets))
                {
                    participants[id] = outlets = await access.VisibleParticipantsAsync(id, user.OutletId, seen.Coordinator ? InvestigationRole.Coordinator : InvestigationRole.ReadOnly, cancellationToken);
                }
                views[i] = PublicationViews.Wave(wave, outlets, viewer, seen.Coordinator);
            }
            else
            {
                var story = serializer.FromJson<PublicationStory>(data);
                if (seen.Waves.TryGetValue(story.WaveId, out var wave))
                {
                    views[i] = PublicationViews.Story(story, wave, viewer, options);
                }
            }
        }
        return views;
    }
}
