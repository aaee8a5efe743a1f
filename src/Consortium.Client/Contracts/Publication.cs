namespace Consortium.Client;

/// <summary>States of a story. <c>published</c> is shown once its wave's embargo has been lifted.</summary>
public static class StoryStates
{
    /// <summary>Being planned.</summary>
    public const string Draft = "draft";

    /// <summary>Planned and ready for the lift.</summary>
    public const string Ready = "ready";

    /// <summary>The embargo was lifted: the story is out.</summary>
    public const string Published = "published";
}

/// <summary>States of an embargo. Moves change the state to postponed or brought-forward; both still lift at their instant.</summary>
public static class EmbargoStates
{
    /// <summary>Planned, freely changed by coordinators, never lifted.</summary>
    public const string Draft = "draft";

    /// <summary>Agreed: lifts at its instant; moving it needs a reason and every participant's acknowledgement.</summary>
    public const string Locked = "locked";

    /// <summary>Locked and moved later.</summary>
    public const string Postponed = "postponed";

    /// <summary>Locked and moved earlier.</summary>
    public const string BroughtForward = "brought-forward";

    /// <summary>Lifted at its instant.</summary>
    public const string Lifted = "lifted";

    /// <summary>Lifted before its instant by a coordinator (after a breach, say).</summary>
    public const string LiftedEarly = "lifted-early";

    /// <summary>Called off: never lifts.</summary>
    public const string Cancelled = "cancelled";
}

/// <summary>The named steps each participating outlet signs off.</summary>
public static class SignOffSteps
{
    /// <summary>The outlet's lawyers reviewed the story.</summary>
    public const string LegalReview = "legal-review";

    /// <summary>Every subject had their right of reply.</summary>
    public const string RightOfReplyDone = "right-of-reply-done";

    /// <summary>The copy is final.</summary>
    public const string CopyFinal = "copy-final";

    /// <summary>All steps, in board order.</summary>
    public static readonly IReadOnlyList<string> All = [LegalReview, RightOfReplyDone, CopyFinal];
}

/// <summary>
/// An instant as a person enters it: a local date and time (ISO 8601 without offset, <c>2027-03-29T18:00</c>) in an
/// IANA zone (<c>Europe/Paris</c>). <see cref="Offset"/> (<c>+02:00</c>) is required only when the local time occurs
/// twice (the hour clocks go back); a local time that does not occur (the hour clocks go forward) is refused.
/// </summary>
public sealed record EmbargoInput(string LocalTime, string Zone, string? Offset = null);

/// <summary>
/// An instant in one zone: the zone's IANA id, the local time (<c>yyyy-MM-ddTHH:mm:ss</c>), the UTC offset (<c>+02:00</c>)
/// and its abbreviation. Label: <c>entered</c> (the zone it was entered in), <c>outlet</c> (the caller's outlet),
/// <c>you</c> (the caller's own zone), <c>utc</c>, or <c>asked</c> (a zone named in <c>?zones=</c>).
/// </summary>
public sealed record ZonedTime(string Label, string Zone, string LocalTime, string Offset, string Abbreviation);

/// <summary>
/// An embargo: the instant in UTC, the zone and local time it was entered in, its state, and the instant shown in the
/// caller's outlet zone, the caller's own zone, UTC and any zone asked for. <see cref="Sequence"/> counts its moves
/// (the calendar's SEQUENCE).
/// </summary>
public sealed record EmbargoView(
    DateTimeOffset Utc,
    string Zone,
    string LocalTime,
    string Offset,
    string State,
    IReadOnlyList<ZonedTime> Shown,
    int Sequence,
    DateTimeOffset? LiftedAt,
    PendingMoveView? PendingMove,
    IReadOnlyList<string> AllowedNext);

/// <summary>A move within the confirmation margin, waiting for a second coordinator.</summary>
public sealed record PendingMoveView(Guid MoveId, DateTimeOffset ToUtc, string ToZone, string ToLocalTime, string Reason, string ProposedBy, string ProposedByName, DateTimeOffset At);

/// <summary>One move of an embargo, in the order they happened.</summary>
public sealed record EmbargoMoveView(Guid MoveId, DateTimeOffset FromUtc, DateTimeOffset ToUtc, string ToZone, string ToLocalTime, string Reason, string ByName, string? ConfirmedByName, DateTimeOffset At);

/// <summary>Whether an outlet acknowledged the embargo's latest move (outlets are listed only after a first move).</summary>
public sealed record AcknowledgementView(string OutletId, bool Acknowledged, string? ByName, DateTimeOffset? At, DateTimeOffset? RemindedAt);

/// <summary>A new wave of the rollout, with its embargo.</summary>
public sealed record NewWave(string Name, EmbargoInput Embargo);

/// <summary>
/// A wave: its embargo and the outlets taking part in its stories (visible to them and to coordinators).
/// <see cref="Version"/> is the wave's stream version (ETag; send it as <c>If-Match</c>).
/// </summary>
public sealed record WaveView(
    Guid Id,
    Guid InvestigationId,
    string Name,
    EmbargoView Embargo,
    IReadOnlyList<string> ParticipantOutletIds,
    IReadOnlyList<AcknowledgementView> Acknowledgements,
    IReadOnlyList<EmbargoMoveView> Moves,
    long Version,
    long Sequence);

/// <summary>What a story relies on: records, annotations (identifications, verifications) and evidence files (SHA-256).</summary>
public sealed record StoryMaterial(IReadOnlyList<Guid>? RecordIds = null, IReadOnlyList<Guid>? AnnotationIds = null, IReadOnlyList<string>? EvidenceSha256 = null);

/// <summary>A new story in a wave. The lead outlet takes part whether listed or not; every participant must be a member outlet.</summary>
public sealed record NewStory(Guid WaveId, string Title, string Summary, string LeadOutletId, IReadOnlyList<string> ParticipantOutletIds, StoryMaterial? Material = null, DateTimeOffset? SignOffDeadline = null);

/// <summary>A change to a story; null fields stay as they are. <see cref="State"/> is draft or ready.</summary>
public sealed record StoryChange(string? Title = null, string? Summary = null, IReadOnlyList<string>? ParticipantOutletIds = null, StoryMaterial? Material = null, string? State = null, DateTimeOffset? SignOffDeadline = null);

/// <summary>One step of one outlet's sign-off.</summary>
public sealed record SignOffView(string OutletId, string Step, bool Done, string? ByName, DateTimeOffset? At);

/// <summary>Signs off (or withdraws) a step for the caller's outlet.</summary>
public sealed record SignOffChange(string Step, bool Done);

/// <summary>A right-of-reply letter sent to a subject. Deadline must be after <see cref="SentAt"/>.</summary>
public sealed record NewLetter(string Recipient, string Channel, string AllegationsVersion, DateTimeOffset SentAt, DateTimeOffset Deadline, IReadOnlyList<string>? QuotingOutletIds = null);

/// <summary>The subject's response to a letter.</summary>
public sealed record LetterResponse(DateTimeOffset ReceivedAt, string? Text);

/// <summary>A right-of-reply letter, with the desk's warnings (deadline after the embargo, or too close before it).</summary>
public sealed record LetterView(
    Guid Id,
    string OutletId,
    string Recipient,
    string Channel,
    string AllegationsVersion,
    DateTimeOffset SentAt,
    DateTimeOffset Deadline,
    DateTimeOffset? ResponseReceivedAt,
    string? ResponseText,
    IReadOnlyList<string> QuotingOutletIds,
    IReadOnlyList<string> Warnings);

/// <summary>A suspected break of the embargo. The evidence file is optional (base64, at most 5 MB).</summary>
public sealed record NewBreach(string Link, DateTimeOffset SeenAt, string? EvidenceFileName = null, string? EvidenceBase64 = null);

/// <summary>A reported breach.</summary>
public sealed record BreachView(Guid Id, string OutletId, string ByName, string Link, DateTimeOffset SeenAt, DateTimeOffset ReportedAt, string? EvidenceFileName, string? EvidenceSha256);

/// <summary>
/// A story as its participants see it: its wave's embargo (in their zones), the sign-off board, who has not
/// acknowledged the embargo's latest move, the right-of-reply tracker and breaches. <see cref="Version"/> is the
/// story's stream version (ETag).
/// </summary>
public sealed record StoryView(
    Guid Id,
    Guid InvestigationId,
    Guid WaveId,
    string WaveName,
    string Title,
    string Summary,
    string LeadOutletId,
    IReadOnlyList<string> ParticipantOutletIds,
    StoryMaterial Material,
    string State,
    EmbargoView Embargo,
    IReadOnlyList<AcknowledgementView> Acknowledgements,
    IReadOnlyList<SignOffView> SignOffs,
    IReadOnlyList<LetterView> Letters,
    IReadOnlyList<BreachView> Breaches,
    IReadOnlyList<string> Warnings,
    DateTimeOffset? SignOffDeadline,
    long Version,
    long Sequence);

/// <summary>The publication plan of an investigation: the waves and stories the caller may see.</summary>
public sealed record PublicationPlanView(Guid InvestigationId, IReadOnlyList<WaveView> Waves, IReadOnlyList<StoryView> Stories);

/// <summary>Moves an embargo. A reason is required; the caller must be a coordinator who signed in within the last 10 minutes.</summary>
public sealed record EmbargoMove(EmbargoInput To, string Reason);

/// <summary>A reason (lift early, cancel).</summary>
public sealed record EmbargoReason(string Reason);

/// <summary>The caller's own zone for publication times (IANA id); null goes back to the outlet's zone.</summary>
public sealed record PublicationSettings(string? Zone);

/// <summary>The caller's secret calendar URL (iCalendar). Shown once when made; regenerate to replace, delete to revoke.</summary>
public sealed record CalendarUrlView(string Url, DateTimeOffset CreatedAt);

/// <summary>An entry of a person's publication inbox: an embargo moved (to acknowledge), a reminder, a lift, a breach.</summary>
public sealed record PublicationNoticeView(Guid Id, string Kind, Guid InvestigationId, Guid WaveId, Guid? StoryId, string Summary, DateTimeOffset At, bool Read, bool NeedsAcknowledgement);

/// <summary>Kinds of publication notices.</summary>
public static class PublicationNoticeKinds
{
    /// <summary>An embargo you take part in moved: acknowledge it.</summary>
    public const string EmbargoMoved = "embargo-moved";

    /// <summary>The coordinator reminds you to acknowledge a move.</summary>
    public const string AcknowledgementReminder = "acknowledgement-reminder";

    /// <summary>The embargo was locked: the instant is agreed.</summary>
    public const string EmbargoLocked = "embargo-locked";

    /// <summary>A move, a lock within the margin or an early lift waits for a second coordinator.</summary>
    public const string MoveAwaitsConfirmation = "move-awaits-confirmation";

    /// <summary>The embargo was lifted (at its instant or early).</summary>
    public const string EmbargoLifted = "embargo-lifted";

    /// <summary>The embargo was cancelled.</summary>
    public const string EmbargoCancelled = "embargo-cancelled";

    /// <summary>A participant reported a suspected breach.</summary>
    public const string BreachReported = "breach-reported";
}

/// <summary>
/// A live publication change, sent on the hub as <see cref="PublicationHub.PublicationChanged"/> to exactly the people
/// entitled to it: a story's participants, a wave's participants and coordinators, a notice's owner.
/// </summary>
public sealed record PublicationPush(string Kind, long Sequence, StoryView? Story, WaveView? Wave, PublicationNoticeView? Notice);

/// <summary>Hub messages of the publication desk (the client registers handlers by these names).</summary>
public static class PublicationHub
{
    /// <summary>Argument: a <see cref="PublicationPush"/>.</summary>
    public const string PublicationChanged = nameof(PublicationChanged);
}

/// <summary>One entry of the publication changes feed: the state of a story or wave after a change.</summary>
public sealed record PublicationChange(string Cursor, long Sequence, string Kind, Guid Id, StoryView? Story, WaveView? Wave);

/// <summary>A page of the publication changes feed; pass <see cref="Cursor"/> as <c>after</c> to continue.</summary>
public sealed record PublicationChangesPage(IReadOnlyList<PublicationChange> Items, string Cursor, bool HasMore);
