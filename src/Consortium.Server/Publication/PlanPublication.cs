using Consortium.Client;
using Consortium.Server.Audit;
using Consortium.Server.Hosting;
using Consortium.Server.Identity;
using Consortium.Server.Access;
using Marten;

namespace Consortium.Server.Publication;

/// <summary>The plan: waves with their embargoes, stories in them, reading them, and the time preview of the embargo form.</summary>
public static class PlanPublication
{
    public static IResult Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "Invalid input", detail: message);

    public static async Task<IResult> GetPlan(Guid investigationId, string[]? zones, HttpContext http, PublicationAccess access, IQuerySession session, PublicationOptions options,
        CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        if (await access.PlanAsync(user, investigationId, cancellationToken) is not { } plan)
        {
            return Problems.NotFound("investigation");
        }
        var viewer = await ViewerZones.OfAsync(session, user.UserId, user.OutletId, zones, cancellationToken);
        var waves = plan.Waves.ToDictionary(w => w.Id);
        var waveViews = new List<WaveView>();
        foreach (var wave in plan.Waves)
        {
            waveViews.Add(PublicationViews.Wave(wave, await access.VisibleParticipantsAsync(wave.Id, user.OutletId, plan.Role, cancellationToken), viewer, PublicationAccess.CanPlan(plan.Role)));
        }
        var stories = plan.Stories.Where(s => waves.ContainsKey(s.WaveId)).Select(s => PublicationViews.Story(s, waves[s.WaveId], viewer, options)).ToList();
        return TypedResults.Ok(new PublicationPlanView(investigationId, waveViews, stories));
    }

    /// <summary>Every story the caller takes part in, across their investigations, by embargo (the CLI's list).</summary>
    public static async Task<IResult> ListMyStories(string[]? zones, HttpContext http, PublicationAccess access, AccessPolicy policy, IQuerySession session, PublicationOptions options,
        CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        var viewer = await ViewerZones.OfAsync(session, user.UserId, user.OutletId, zones, cancellationToken);
        var candidates = await session.Query<PublicationStory>().Where(s => s.ParticipantOutletIds.Contains(user.OutletId)).ToListAsync(cancellationToken);
        var views = new List<StoryView>();
        foreach (var investigationId in candidates.Select(s => s.InvestigationId).Distinct())
        {
            if (await policy.InvestigationAsync(user, investigationId, cancellationToken) is null)
            {
                continue;
            }
            foreach (var story in candidates.Where(s => s.InvestigationId == investigationId))
            {
                if (await session.LoadAsync<PublicationWave>(story.WaveId, cancellationToken) is { } wave)
                {
                    views.Add(PublicationViews.Story(story, wave, viewer, options));
                }
            }
        }
        return TypedResults.Ok(views.OrderBy(v => v.Embargo.Utc).ThenBy(v => v.Title, StringComparer.Ordinal).ToList());
    }

    public static async Task<IResult> GetStory(Guid storyId, string[]? zones, HttpContext http, PublicationAccess access, IQuerySession session, PublicationOptions options,
        CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        if (await access.StoryAsync(user, storyId, cancellationToken) is not { } granted
            || await session.LoadAsync<PublicationWave>(granted.Item.WaveId, cancellationToken) is not { } wave)
        {
            return Problems.NotFound("story");
        }
        http.Response.Headers.ETag = PublicationWrites.ETag(granted.Item.Version);
        return TypedResults.Ok(PublicationViews.Story(granted.Item, wave, await ViewerZones.OfAsync(session, user.UserId, user.OutletId, zones, cancellationToken), options));
    }

    public static async Task<IResult> GetWave(Guid waveId, string[]? zones, HttpContext http, PublicationAccess access, IQuerySession session, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        if (await access.WaveAsync(user, waveId, cancellationToken) is not { } granted)
        {
            return Problems.NotFound("wave");
        }
        http.Response.Headers.ETag = PublicationWrites.ETag(granted.Item.Version);
        return TypedResults.Ok(PublicationViews.Wave(granted.Item, await access.VisibleParticipantsAsync(waveId, user.OutletId, granted.Role, cancellationToken),
            await ViewerZones.OfAsync(session, user.UserId, user.OutletId, zones, cancellationToken), PublicationAccess.CanPlan(granted.Role)));
    }

    /// <summary>What the embargo form shows as one types: the instant in every zone asked for, or the field at fault.</summary>
    public static async Task<IResult> Preview(string? localTime, string? zone, string? offset, string[]? zones, HttpContext http, IQuerySession session, CancellationToken cancellationToken)
    {
        var (time, field, error) = EmbargoTimes.Parse(new EmbargoInput(localTime ?? "", zone ?? "", offset), "embargo");
        if (time is null)
        {
            return Invalid(field!, error!);
        }
        var user = ConsortiumUser.From(http.User);
        var viewer = await ViewerZones.OfAsync(session, user.UserId, user.OutletId, zones, cancellationToken);
        return TypedResults.Ok(new EmbargoView(time.Utc, time.Zone, time.LocalTime, time.Offset, EmbargoStates.Draft, PublicationViews.Shown(time.Utc, time.Zone, viewer), 0, null, null, []));
    }

    public static async Task<IResult> CreateWave(Guid investigationId, NewWave request, HttpContext http, AccessPolicy policy, PublicationWrites writes, PublicationClock clock,
        IQuerySession session, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        if (await policy.InvestigationAsync(user, investigationId, cancellationToken) is not { } granted)
        {
            return Problems.NotFound("investigation");
        }
        if (!PublicationAccess.CanPlan(granted.Role))
        {
            return Problems.Forbidden("Only coordinators plan waves and embargoes.");
        }
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200)
        {
            return Invalid("name", "Give the wave a name of at most 200 characters.");
        }
        var (time, field, error) = EmbargoTimes.Parse(request.Embargo, "embargo");
        if (time is null)
        {
            return Invalid(field!, error!);
        }
        if (time.Utc <= clock.Now)
        {
            return Invalid("embargo.localTime", $"The embargo {EmbargoTimes.Describe(time.Utc, time.Zone)} is in the past.");
        }
        var waveId = Guid.CreateVersion7();
        await writes.StartAsync<PublicationWave>(http, waveId, new WavePlanned(waveId, investigationId, request.Name.Trim(), time, user.UserId, user.DisplayName, clock.Now),
            new AuditSubject("publication.wave-planned", investigationId, "wave", waveId.ToString(), $"embargo {time.Utc:O} ({time.Zone} {time.LocalTime})"), "wave", cancellationToken);
        var wave = (await session.LoadAsync<PublicationWave>(waveId, cancellationToken))!;
        http.Response.Headers.ETag = PublicationWrites.ETag(wave.Version);
        return TypedResults.Created($"/api/publication/waves/{waveId}", PublicationViews.Wave(wave, [], await ViewerZones.OfAsync(session, user.UserId, user.OutletId, null, cancellationToken), coordinator: true));
    }

    public static async Task<IResult> CreateStory(Guid investigationId, NewStory request, HttpContext http, AccessPolicy policy, PublicationWrites writes, PublicationClock clock,
        IQuerySession session, PublicationOptions options, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        if (await policy.InvestigationAsync(user, investigationId, cancellationToken) is not { } granted)
        {
            return Problems.NotFound("investigation");
        }
        if (!PublicationAccess.CanPlan(granted.Role))
        {
            return Problems.Forbidden("Only coordinators plan stories.");
        }
        var wave = await session.LoadAsync<PublicationWave>(request.WaveId, cancellationToken);
        if (wave is null || wave.InvestigationId != investigationId)
        {
            return Invalid("waveId", "No such wave in this investigation.");
        }
        if (string.IsNullOrWhiteSpace(request.Title) || request.Title.Length > 300)
        {
            return Invalid("title", "Give the story a title of at most 300 characters.");
        }
        if (PublicationLimits.First(PublicationLimits.Text("summary", request.Summary), PublicationLimits.Date("signOffDeadline", request.SignOffDeadline),
            PublicationLimits.Material(request.Material)) is { } tooMuch)
        {
            return tooMuch;
        }
        if (!granted.Investigation.HasMember(request.LeadOutletId ?? ""))
        {
            return Invalid("leadOutletId", $"'{request.LeadOutletId}' is not a member outlet of this investigation.");
        }
        var participants = (request.ParticipantOutletIds ?? []).Append(request.LeadOutletId!).Distinct().Order(StringComparer.Ordinal).ToList();
        if (participants.FirstOrDefault(o => !granted.Investigation.HasMember(o)) is { } stranger)
        {
            return Invalid("participantOutletIds", $"'{stranger}' is not a member outlet of this investigation.");
        }
        var storyId = Guid.CreateVersion7();
        var planned = new StoryPlanned(storyId, investigationId, wave.Id, request.Title.Trim(), request.Summary?.Trim() ?? "", request.LeadOutletId!, participants,
            request.Material ?? new StoryMaterial([], [], []), request.SignOffDeadline, user.UserId, user.DisplayName, clock.Now);
        await writes.StartAsync<PublicationStory>(http, storyId, planned,
            new AuditSubject("publication.story-planned", investigationId, "story", storyId.ToString(), $"in wave {wave.Id}, outlets {string.Join(",", participants)}"), "story", cancellationToken);
        writes.AlsoAnnounce("wave", wave.Id);
        var story = (await session.LoadAsync<PublicationStory>(storyId, cancellationToken))!;
        http.Response.Headers.ETag = PublicationWrites.ETag(story.Version);
        return TypedResults.Created($"/api/publication/stories/{storyId}",
            PublicationViews.Story(story, wave, await ViewerZones.OfAsync(session, user.UserId, user.OutletId, null, cancellationToken), options));
    }

    public static async Task<IResult> ChangeStory(Guid storyId, StoryChange change, HttpContext http, PublicationAccess access, PublicationWrites writes, PublicationClock clock,
        IQuerySession session, PublicationOptions options, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        if (await access.StoryAsync(user, storyId, cancellationToken) is not { } granted)
        {
            return Problems.NotFound("story");
        }
        if (!PublicationAccess.CanPlan(granted.Role))
        {
            return Problems.Forbidden("Only coordinators change a story's plan.");
        }
        if (PublicationWrites.CheckIfMatch(http, granted.Item.Version) is { } stale)
        {
            return stale;
        }
        if (change.Title is { } title && (string.IsNullOrWhiteSpace(title) || title.Length > 300))
        {
            return Invalid("title", "A title has 1 to 300 characters.");
        }
        if (PublicationLimits.First(PublicationLimits.Text("summary", change.Summary), PublicationLimits.Date("signOffDeadline", change.SignOffDeadline),
            PublicationLimits.Material(change.Material)) is { } tooMuch)
        {
            return tooMuch;
        }
        if (change.State is { } state && state is not (StoryStates.Draft or StoryStates.Ready))
        {
            return Invalid("state", "A story is draft or ready; it is published by the lift.");
        }
        List<string>? participants = null;
        if (change.ParticipantOutletIds is { } asked)
        {
            participants = asked.Append(granted.Item.LeadOutletId).Distinct().Order(StringComparer.Ordinal).ToList();
            if (participants.FirstOrDefault(o => !granted.Investigation.HasMember(o)) is { } stranger)
            {
                return Invalid("participantOutletIds", $"'{stranger}' is not a member outlet of this investigation.");
            }
        }
        var changed = new StoryChanged(change.Title?.Trim(), change.Summary?.Trim(), participants, change.Material, change.State, change.SignOffDeadline, user.UserId, user.DisplayName, clock.Now);
        if (await writes.AppendAsync<PublicationStory>(http, storyId, granted.Item.Version, [changed],
            new AuditSubject("publication.story-changed", granted.Item.InvestigationId, "story", storyId.ToString(), participants is null ? null : $"outlets {string.Join(",", participants)}"),
            "story", cancellationToken) is { } refused)
        {
            return refused;
        }
        // A wave whose participants changed has other people to push to: its own announcement follows.
        if (participants is not null)
        {
            writes.AlsoAnnounce("wave", granted.Item.WaveId);
        }
        return await GetStory(storyId, null, http, access, session, options, cancellationToken);
    }

    public static async Task<IResult> GetSettings(HttpContext http, IQuerySession session, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        return TypedResults.Ok(new PublicationSettings((await session.LoadAsync<PublicationPreference>(user.UserId, cancellationToken))?.Zone));
    }

    public static async Task<IResult> PutSettings(PublicationSettings settings, HttpContext http, IDocumentSession session, CancellationToken cancellationToken)
    {
        if (settings.Zone is { } zone && EmbargoTimes.FindZone(zone) is null)
        {
            return Invalid("zone", $"'{zone}' is not an IANA time zone id (such as Europe/Paris).");
        }
        var user = ConsortiumUser.From(http.User);
        session.Store(new PublicationPreference(user.UserId, EmbargoTimes.FindZone(settings.Zone)?.Id));
        await session.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(settings);
    }
}
