using System.Threading.Channels;
using Consortium.Client;
using Consortium.Server.Access;
using Consortium.Server.LiveUpdates;
using Marten;

namespace Consortium.Server.Publication;

/// <summary>What changed, announced after commit: a story, a wave, or a person's new notice.</summary>
public sealed record PublicationAnnouncement(string Kind, Guid Id, PublicationNotice? Notice = null);

/// <summary>
/// Every live push of the desk, in this one class. Writers hand it what committed; a background reader sends each
/// change to exactly the people entitled to it (a story's participants; a wave's participants and coordinators; a
/// notice's owner), each with times in their own zones. A lost push is recovered from the publication changes feed.
/// </summary>
/// <remarks>
/// Entitlement is decided here, per person, from the current membership and the story's participants; LiveUpdates
/// (<see cref="ILiveAnnouncer"/>) delivers to that person's own group, which the hub joins on connect: no publication
/// group to join, so nothing to check at join time and nothing stale after a participant is removed.
/// </remarks>
public sealed class PublicationAnnouncements(IServiceScopeFactory scopes, ILiveAnnouncer live, ILogger<PublicationAnnouncements> logger) : BackgroundService
{
    private readonly Channel<PublicationAnnouncement> pending = Channel.CreateUnbounded<PublicationAnnouncement>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Call only after the commit that made the change: pushes never announce what may still roll back.</summary>
    public void Announce(PublicationAnnouncement announcement) => pending.Writer.TryWrite(announcement);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var announcement in pending.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var session = scope.ServiceProvider.GetRequiredService<IQuerySession>();
                var options = scope.ServiceProvider.GetRequiredService<PublicationOptions>();
                var now = scope.ServiceProvider.GetRequiredService<PublicationClock>().Now;
                switch (announcement.Kind)
                {
                    case "notice" when announcement.Notice is { } notice:
                        await SendAsync(notice.UserId, new PublicationPush("notice", 0, null, null, notice.ToView()), stoppingToken);
                        break;
                    case "story":
                        await StoryAsync(session, options, announcement.Id, now, stoppingToken);
                        break;
                    case "wave":
                        await WaveAsync(session, options, announcement.Id, now, stoppingToken);
                        break;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Could not push publication change {Kind} {Id}", announcement.Kind, announcement.Id);
            }
        }
    }

    private async Task StoryAsync(IQuerySession session, PublicationOptions options, Guid storyId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (await session.LoadAsync<PublicationStory>(storyId, cancellationToken) is not { } story
            || await session.LoadAsync<PublicationWave>(story.WaveId, cancellationToken) is not { } wave
            || await session.LoadAsync<Investigation>(story.InvestigationId, cancellationToken) is not { } investigation)
        {
            return;
        }
        foreach (var person in PublicationAccess.Entitled(investigation, story.ParticipantOutletIds, withCoordinators: false, now))
        {
            var zones = await ViewerZones.OfAsync(session, person.UserId, person.OutletId, null, cancellationToken);
            await SendAsync(person.UserId, new PublicationPush("story", story.Sequence, PublicationViews.Story(story, wave, zones, options), null, null), cancellationToken);
        }
    }

    private async Task WaveAsync(IQuerySession session, PublicationOptions options, Guid waveId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (await session.LoadAsync<PublicationWave>(waveId, cancellationToken) is not { } wave
            || await session.LoadAsync<Investigation>(wave.InvestigationId, cancellationToken) is not { } investigation)
        {
            return;
        }
        var stories = await session.Query<PublicationStory>().Where(s => s.WaveId == waveId).ToListAsync(cancellationToken);
        var participants = stories.SelectMany(s => s.ParticipantOutletIds).Distinct().Order(StringComparer.Ordinal).ToList();
        foreach (var person in PublicationAccess.Entitled(investigation, participants, withCoordinators: true, now))
        {
            var zones = await ViewerZones.OfAsync(session, person.UserId, person.OutletId, null, cancellationToken);
            // Built per person: a participant of one story does not learn the other stories' outlets and acknowledgements.
            var coordinator = PublicationAccess.CanPlan(person.Role);
            var visible = PublicationAccess.VisibleParticipants(stories, person.OutletId, coordinator);
            await SendAsync(person.UserId, new PublicationPush("wave", wave.Sequence, null, PublicationViews.Wave(wave, visible, zones, coordinator), null), cancellationToken);
            // The stories of the wave show its embargo: each of the person's stories is pushed with the new one.
            foreach (var story in stories.Where(s => s.HasParticipant(person.OutletId)))
            {
                await SendAsync(person.UserId, new PublicationPush("story", story.Sequence, PublicationViews.Story(story, wave, zones, options), null, null), cancellationToken);
            }
        }
    }

    private Task SendAsync(string userId, PublicationPush push, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        live.Announce(new LiveAnnouncement([LiveGroups.User(userId)], c => c.PublicationChanged(push), $"publication {push.Kind} {push.Story?.Id ?? push.Wave?.Id ?? push.Notice?.Id}"));
        return Task.CompletedTask;
    }
}
