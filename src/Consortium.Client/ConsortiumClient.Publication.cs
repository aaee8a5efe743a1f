namespace Consortium.Client;

public sealed partial class ConsortiumClient
{
    /// <summary>The publication plan of an investigation (waves and the stories the caller takes part in); <paramref name="zones"/> adds zones to every instant shown.</summary>
    public Task<PublicationPlanView> GetPublicationPlanAsync(Guid investigationId, IEnumerable<string>? zones = null, CancellationToken cancellationToken = default) =>
        GetAsync<PublicationPlanView>($"api/publication/investigations/{investigationId}{Zones(zones)}", cancellationToken);

    /// <summary>Every story the caller takes part in, by embargo.</summary>
    public Task<IReadOnlyList<StoryView>> ListStoriesAsync(IEnumerable<string>? zones = null, CancellationToken cancellationToken = default) =>
        GetAsync<IReadOnlyList<StoryView>>($"api/publication/stories{Zones(zones)}", cancellationToken);

    /// <summary>One story (404 for outlets not taking part).</summary>
    public Task<StoryView> GetStoryAsync(Guid storyId, IEnumerable<string>? zones = null, CancellationToken cancellationToken = default) =>
        GetAsync<StoryView>($"api/publication/stories/{storyId}{Zones(zones)}", cancellationToken);

    /// <summary>One wave and its embargo.</summary>
    public Task<WaveView> GetWaveAsync(Guid waveId, IEnumerable<string>? zones = null, CancellationToken cancellationToken = default) =>
        GetAsync<WaveView>($"api/publication/waves/{waveId}{Zones(zones)}", cancellationToken);

    /// <summary>Plans a wave with its embargo (coordinators).</summary>
    public Task<WaveView> CreateWaveAsync(Guid investigationId, NewWave wave, CancellationToken cancellationToken = default) =>
        PostAsync<WaveView>($"api/publication/investigations/{investigationId}/waves", wave, cancellationToken);

    /// <summary>Plans a story in a wave (coordinators).</summary>
    public Task<StoryView> CreateStoryAsync(Guid investigationId, NewStory story, CancellationToken cancellationToken = default) =>
        PostAsync<StoryView>($"api/publication/investigations/{investigationId}/stories", story, cancellationToken);

    /// <summary>Locks a draft embargo (coordinators).</summary>
    public Task<WaveView> LockEmbargoAsync(Guid waveId, CancellationToken cancellationToken = default) =>
        PostAsync<WaveView>($"api/publication/waves/{waveId}/embargo/lock", new { }, cancellationToken);

    /// <summary>Moves an embargo (coordinators with a recent sign-in); within the margin of now it waits for a second coordinator.</summary>
    public Task<WaveView> MoveEmbargoAsync(Guid waveId, EmbargoMove move, CancellationToken cancellationToken = default) =>
        PostAsync<WaveView>($"api/publication/waves/{waveId}/embargo/move", move, cancellationToken);

    /// <summary>Acknowledges, for the caller's outlet, the latest move of the embargo of a story's wave.</summary>
    public Task<WaveView> AcknowledgeEmbargoAsync(Guid storyId, CancellationToken cancellationToken = default) =>
        PostAsync<WaveView>($"api/publication/stories/{storyId}/embargo/acknowledgement", new { }, cancellationToken);

    /// <summary>Lifts an embargo before its instant, for everyone (coordinators with a recent sign-in).</summary>
    public Task<WaveView> LiftEmbargoEarlyAsync(Guid waveId, string reason, CancellationToken cancellationToken = default) =>
        PostAsync<WaveView>($"api/publication/waves/{waveId}/embargo/lift-early", new EmbargoReason(reason), cancellationToken);

    /// <summary>Signs off (or withdraws) a step for the caller's outlet (editors).</summary>
    public Task<StoryView> SignOffAsync(Guid storyId, SignOffChange change, CancellationToken cancellationToken = default) =>
        PostAsync<StoryView>($"api/publication/stories/{storyId}/sign-offs", change, cancellationToken);

    /// <summary>Records a right-of-reply letter (editors).</summary>
    public Task<StoryView> SendLetterAsync(Guid storyId, NewLetter letter, CancellationToken cancellationToken = default) =>
        PostAsync<StoryView>($"api/publication/stories/{storyId}/letters", letter, cancellationToken);

    /// <summary>Reports a suspected breach of a story's embargo.</summary>
    public Task<StoryView> ReportBreachAsync(Guid storyId, NewBreach breach, CancellationToken cancellationToken = default) =>
        PostAsync<StoryView>($"api/publication/stories/{storyId}/breaches", breach, cancellationToken);

    /// <summary>The caller's publication inbox.</summary>
    public Task<IReadOnlyList<PublicationNoticeView>> ListPublicationNoticesAsync(CancellationToken cancellationToken = default) =>
        GetAsync<IReadOnlyList<PublicationNoticeView>>("api/publication/notices", cancellationToken);

    /// <summary>Makes a new secret calendar URL for the caller (the previous one stops working).</summary>
    public Task<CalendarUrlView> RegenerateCalendarUrlAsync(CancellationToken cancellationToken = default) =>
        PostAsync<CalendarUrlView>("api/publication/calendar", new { }, cancellationToken);

    /// <summary>Revokes the caller's calendar URL.</summary>
    public async Task RevokeCalendarUrlAsync(CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, "api/publication/calendar");
        using var response = await SendAsync(request, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
    }

    /// <summary>A page of the publication changes feed after <paramref name="after"/>.</summary>
    public Task<PublicationChangesPage> ReadPublicationChangesAsync(Guid investigationId, string? after = null, CancellationToken cancellationToken = default) =>
        GetAsync<PublicationChangesPage>($"api/publication/investigations/{investigationId}/changes{(after is null ? "" : "?after=" + Uri.EscapeDataString(after))}", cancellationToken);

    /// <summary>A story's publication package (csv, jsonl or jsonld), after the lift.</summary>
    public async Task<string> GetPackageAsync(Guid storyId, string format, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/publication/stories/{storyId}/package?format={Uri.EscapeDataString(format)}");
        using var response = await SendAsync(request, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    private static string Zones(IEnumerable<string>? zones) =>
        zones is null || !zones.Any() ? "" : "?zones=" + Uri.EscapeDataString(string.Join(',', zones));
}
