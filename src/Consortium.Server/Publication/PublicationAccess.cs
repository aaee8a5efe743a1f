using Consortium.Client;
using Consortium.Server.Identity;
using Consortium.Server.Access;
using Marten;

namespace Consortium.Server.Publication;

/// <summary>
/// Who sees and does what on the desk, on top of <see cref="AccessPolicy"/> (a current member of the investigation):
/// a story only for its participating outlets (others get 404, as for anything hidden); a wave for coordinators and
/// for outlets taking part in one of its stories. Reporters read; editors sign off and write letters for their own
/// outlet; coordinators plan and move embargoes.
/// </summary>
public sealed class PublicationAccess(AccessPolicy access, IQuerySession session)
{
    public sealed record Granted<T>(Investigation Investigation, InvestigationRole Role, T Item);

    public static bool CanPlan(InvestigationRole role) => Permissions.CanCoordinate(role);

    /// <summary>Editors sign off and manage letters for their outlet; coordinators answer for the whole investigation.</summary>
    public static bool CanEdit(InvestigationRole role) => role is InvestigationRole.Editor or InvestigationRole.Coordinator;

    /// <summary>Acknowledging an embargo's move binds the outlet: its editors and coordinators do it, reporters read.</summary>
    public static bool CanAcknowledge(InvestigationRole role) => CanEdit(role);

    /// <summary>Anyone who writes (not read-only members or sync clients): reporting a breach.</summary>
    public static bool CanTakePart(InvestigationRole role) => role is not InvestigationRole.ReadOnly;

    public async Task<Granted<PublicationStory>?> StoryAsync(ConsortiumUser user, Guid storyId, CancellationToken cancellationToken)
    {
        var story = await session.LoadAsync<PublicationStory>(storyId, cancellationToken);
        if (story is null || !story.HasParticipant(user.OutletId))
        {
            return null;
        }
        return await access.InvestigationAsync(user, story.InvestigationId, cancellationToken) is { } granted ? new(granted.Investigation, granted.Role, story) : null;
    }

    public async Task<Granted<PublicationWave>?> WaveAsync(ConsortiumUser user, Guid waveId, CancellationToken cancellationToken)
    {
        var wave = await session.LoadAsync<PublicationWave>(waveId, cancellationToken);
        if (wave is null || await access.InvestigationAsync(user, wave.InvestigationId, cancellationToken) is not { } granted)
        {
            return null;
        }
        if (CanPlan(granted.Role) || (await ParticipantsAsync(waveId, cancellationToken)).Contains(user.OutletId))
        {
            return new(granted.Investigation, granted.Role, wave);
        }
        return null;
    }

    /// <summary>Outlets taking part in any story of the wave: who must acknowledge its moves.</summary>
    public async Task<IReadOnlyList<string>> ParticipantsAsync(Guid waveId, CancellationToken cancellationToken)
    {
        var stories = await session.Query<PublicationStory>().Where(s => s.WaveId == waveId).ToListAsync(cancellationToken);
        return stories.SelectMany(s => s.ParticipantOutletIds).Distinct().Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The outlets of a wave a viewer may see (its participants and their acknowledgements): all for coordinators,
    /// otherwise only those of the stories the viewer's outlet takes part in; other stories of the wave stay hidden.
    /// </summary>
    public static IReadOnlyList<string> VisibleParticipants(IEnumerable<PublicationStory> waveStories, string outletId, bool coordinator) =>
        waveStories.Where(s => coordinator || s.HasParticipant(outletId)).SelectMany(s => s.ParticipantOutletIds).Distinct().Order(StringComparer.Ordinal).ToList();

    public async Task<IReadOnlyList<string>> VisibleParticipantsAsync(Guid waveId, string outletId, InvestigationRole role, CancellationToken cancellationToken)
    {
        var stories = await session.Query<PublicationStory>().Where(s => s.WaveId == waveId).ToListAsync(cancellationToken);
        return VisibleParticipants(stories, outletId, CanPlan(role));
    }

    /// <summary>Stories and waves of an investigation the caller may see (the plan, the feed's filter, the calendar).</summary>
    public async Task<(Investigation Investigation, InvestigationRole Role, List<PublicationStory> Stories, List<PublicationWave> Waves)?> PlanAsync(
        ConsortiumUser user, Guid investigationId, CancellationToken cancellationToken)
    {
        if (await access.InvestigationAsync(user, investigationId, cancellationToken) is not { } granted)
        {
            return null;
        }
        var all = await session.Query<PublicationStory>().Where(s => s.InvestigationId == investigationId).ToListAsync(cancellationToken);
        var stories = all.Where(s => s.HasParticipant(user.OutletId)).OrderBy(s => s.Title, StringComparer.Ordinal).ToList();
        var waves = await session.Query<PublicationWave>().Where(w => w.InvestigationId == investigationId).ToListAsync(cancellationToken);
        var visibleWaves = waves
            .Where(w => CanPlan(granted.Role) || stories.Any(s => s.WaveId == w.Id))
            .OrderBy(w => w.EmbargoUtc)
            .ToList();
        return (granted.Investigation, granted.Role, stories, visibleWaves);
    }

    /// <summary>The people entitled to a change: current members of the investigation whose outlet is among <paramref name="outletIds"/>, plus its coordinators when <paramref name="withCoordinators"/>.</summary>
    public static IEnumerable<Membership> Entitled(Investigation investigation, IEnumerable<string> outletIds, bool withCoordinators, DateTimeOffset now)
    {
        var outlets = outletIds.ToHashSet(StringComparer.Ordinal);
        return investigation.People.Where(p => p.IsCurrent(now) && investigation.HasMember(p.OutletId)
            && (outlets.Contains(p.OutletId) || (withCoordinators && p.Role == InvestigationRole.Coordinator)));
    }
}
