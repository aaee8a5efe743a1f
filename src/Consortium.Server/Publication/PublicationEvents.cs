using Marten;

namespace Consortium.Server.Publication;

// Wave stream: the wave and its embargo.
public sealed record WavePlanned(Guid WaveId, Guid InvestigationId, string Name, EmbargoTime Embargo, string By, string ByName, DateTimeOffset At);

public sealed record EmbargoLocked(string By, string ByName, DateTimeOffset At);

/// <summary>A draft embargo changed, or a locked one moved. <see cref="AwaitingOutletIds"/> must acknowledge it (empty for a draft).</summary>
public sealed record EmbargoMoved(Guid MoveId, EmbargoTime To, string Reason, string By, string ByName, string? ConfirmedBy, string? ConfirmedByName, IReadOnlyList<string> AwaitingOutletIds, DateTimeOffset At);

/// <summary>A move within the margin of the current instant: it waits for a second coordinator.</summary>
public sealed record EmbargoMoveProposed(Guid MoveId, EmbargoTime To, string Reason, string By, string ByName, DateTimeOffset At);

/// <summary>A lock within the margin or an early lift, waiting for a second coordinator to do the same (<see cref="ProposedActions"/>).</summary>
public sealed record EmbargoActionProposed(string Action, string? Reason, string By, string ByName, DateTimeOffset At);

public static class ProposedActions
{
    public const string Lock = "lock";
    public const string LiftEarly = "lift-early";
}

public sealed record EmbargoMoveWithdrawn(Guid MoveId, string By, DateTimeOffset At);

public sealed record EmbargoAcknowledged(Guid MoveId, string OutletId, string By, string ByName, DateTimeOffset At);

public sealed record AcknowledgementReminded(Guid MoveId, IReadOnlyList<string> OutletIds, string By, DateTimeOffset At);

/// <summary>The lift. <see cref="Early"/>: by a coordinator before the instant; else <see cref="LateBy"/> is how long after the instant it happened.</summary>
public sealed record EmbargoLifted(DateTimeOffset At, DateTimeOffset Scheduled, bool Early, TimeSpan LateBy, string By, string ByName, string? Reason);

public sealed record EmbargoCancelled(string Reason, string By, string ByName, DateTimeOffset At);

// Story stream: the story, its sign-offs, letters and breaches.
public sealed record StoryPlanned(Guid StoryId, Guid InvestigationId, Guid WaveId, string Title, string Summary, string LeadOutletId, IReadOnlyList<string> ParticipantOutletIds,
    Client.StoryMaterial Material, DateTimeOffset? SignOffDeadline, string By, string ByName, DateTimeOffset At);

public sealed record StoryChanged(string? Title, string? Summary, IReadOnlyList<string>? ParticipantOutletIds, Client.StoryMaterial? Material, string? State, DateTimeOffset? SignOffDeadline,
    string By, string ByName, DateTimeOffset At);

public sealed record SignOffGiven(string OutletId, string Step, string By, string ByName, DateTimeOffset At);

public sealed record SignOffWithdrawn(string OutletId, string Step, string By, string ByName, DateTimeOffset At);

public sealed record LetterSent(Guid LetterId, string OutletId, string Recipient, string Channel, string AllegationsVersion, DateTimeOffset SentAt, DateTimeOffset Deadline,
    IReadOnlyList<string> QuotingOutletIds, string By, DateTimeOffset At);

public sealed record LetterAnswered(Guid LetterId, DateTimeOffset ReceivedAt, string? Text, string By, DateTimeOffset At);

public sealed record BreachReported(Guid BreachId, string OutletId, string By, string ByName, string Link, DateTimeOffset SeenAt, string? EvidenceFileName, string? EvidenceSha256, DateTimeOffset At);

internal static class PublicationEventNames
{
    public static void MapPublicationEvents(this StoreOptions options)
    {
        // Explicit names with one prefix, like the annotations': stable across renames of the records.
        options.Events.MapEventType<WavePlanned>("publication_wave_planned");
        options.Events.MapEventType<EmbargoLocked>("publication_embargo_locked");
        options.Events.MapEventType<EmbargoMoved>("publication_embargo_moved");
        options.Events.MapEventType<EmbargoMoveProposed>("publication_embargo_move_proposed");
        options.Events.MapEventType<EmbargoMoveWithdrawn>("publication_embargo_move_withdrawn");
        options.Events.MapEventType<EmbargoActionProposed>("publication_embargo_action_proposed");
        options.Events.MapEventType<EmbargoAcknowledged>("publication_embargo_acknowledged");
        options.Events.MapEventType<AcknowledgementReminded>("publication_acknowledgement_reminded");
        options.Events.MapEventType<EmbargoLifted>("publication_embargo_lifted");
        options.Events.MapEventType<EmbargoCancelled>("publication_embargo_cancelled");
        options.Events.MapEventType<StoryPlanned>("publication_story_planned");
        options.Events.MapEventType<StoryChanged>("publication_story_changed");
        options.Events.MapEventType<SignOffGiven>("publication_sign_off_given");
        options.Events.MapEventType<SignOffWithdrawn>("publication_sign_off_withdrawn");
        options.Events.MapEventType<LetterSent>("publication_letter_sent");
        options.Events.MapEventType<LetterAnswered>("publication_letter_answered");
        options.Events.MapEventType<BreachReported>("publication_breach_reported");
    }
}
