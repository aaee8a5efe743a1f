using Consortium.Client;
using Consortium.Server.Audit;
using Consortium.Server.Hosting;
using Consortium.Server.Identity;
using Marten;

namespace Consortium.Server.Publication;

/// <summary>
/// Everything that changes an embargo: locking it, moving it (coordinator, recent sign-in, a reason; within the margin
/// of now a second coordinator confirms), acknowledging and reminding, cancelling and lifting early.
/// </summary>
public static class MoveEmbargo
{
    private sealed record Checked(ConsortiumUser User, PublicationAccess.Granted<PublicationWave> Granted, IReadOnlyList<string> Participants);

    /// <summary>404 when hidden, 403 for a role or a stale sign-in, 412 for a stale If-Match; else what the handler needs.</summary>
    private static async Task<(Checked? Ok, IResult? Refused)> CheckAsync(Guid waveId, HttpContext http, PublicationAccess access, RecentSignIn? recent, bool coordinator,
        CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        if (await access.WaveAsync(user, waveId, cancellationToken) is not { } granted)
        {
            return (null, Problems.NotFound("wave"));
        }
        if (coordinator && !PublicationAccess.CanPlan(granted.Role))
        {
            return (null, Problems.Forbidden("Only coordinators change an embargo."));
        }
        if (!coordinator && !PublicationAccess.CanAcknowledge(granted.Role))
        {
            return (null, Problems.Forbidden("Only your outlet's editors and coordinators acknowledge an embargo; reporters read it."));
        }
        if (recent?.Require(http) is { } signIn)
        {
            return (null, signIn);
        }
        if (PublicationWrites.CheckIfMatch(http, granted.Item.Version) is { } stale)
        {
            return (null, stale);
        }
        return (new Checked(user, granted, await access.ParticipantsAsync(waveId, cancellationToken)), null);
    }

    private static async Task<IResult> AnswerAsync(Guid waveId, HttpContext http, PublicationAccess access, IQuerySession session, CancellationToken cancellationToken, bool accepted = false)
    {
        var result = await PlanPublication.GetWave(waveId, null, http, access, session, cancellationToken);
        return accepted && result is Microsoft.AspNetCore.Http.HttpResults.Ok<WaveView> ok ? TypedResults.Accepted($"/api/publication/waves/{waveId}", ok.Value) : result;
    }

    // Locking agrees the instant with every partner: a recent sign-in, and within the margin of now a second coordinator
    // locks too (the first call answers 202 and waits). Participants hear of it.
    public static async Task<IResult> Lock(Guid waveId, HttpContext http, PublicationAccess access, RecentSignIn recent, PublicationWrites writes, PublicationClock clock,
        PublicationOptions options, IQuerySession session, CancellationToken cancellationToken)
    {
        var (c, refused) = await CheckAsync(waveId, http, access, recent, coordinator: true, cancellationToken);
        if (c is null)
        {
            return refused!;
        }
        var wave = c.Granted.Item;
        if (wave.State != EmbargoStates.Draft)
        {
            return Problems.Conflict("Not a draft", $"The embargo is {wave.State}; only a draft is locked.");
        }
        if (wave.Embargo.Utc <= clock.Now)
        {
            return PlanPublication.Invalid("embargo.localTime", "The embargo's instant has passed: move it before locking.");
        }
        var now = clock.Now;
        if (wave.Embargo.Utc - now < options.ConfirmationMargin && await ProposeAsync(c, ProposedActions.Lock, null, http, access, writes, now, session, cancellationToken) is { } proposed)
        {
            return proposed;
        }
        writes.Notify(c.Granted.Investigation, c.Participants, withCoordinators: false, PublicationNoticeKinds.EmbargoLocked, waveId, null,
            $"The embargo of {wave.Name} is locked at {EmbargoTimes.Describe(wave.Embargo.Utc, wave.Embargo.Zone)}.", now, exceptUserId: c.User.UserId);
        return await writes.AppendAsync<PublicationWave>(http, waveId, wave.Version, [new EmbargoLocked(c.User.UserId, c.User.DisplayName, now)],
            new AuditSubject("publication.embargo-locked", wave.InvestigationId, "wave", waveId.ToString(),
                $"at {wave.Embargo.Utc:O}{(wave.Proposal is { Action: ProposedActions.Lock } p ? $", proposed by {p.ByName}" : "")}"), "wave", cancellationToken)
            ?? await AnswerAsync(waveId, http, access, session, cancellationToken);
    }

    /// <summary>
    /// The two-person rule for a lock within the margin and an early lift: null when another coordinator already asked
    /// for this action (the caller now carries it out); otherwise records the caller's request (or keeps it) and answers 202.
    /// </summary>
    private static async Task<IResult?> ProposeAsync(Checked c, string action, string? reason, HttpContext http, PublicationAccess access, PublicationWrites writes,
        DateTimeOffset now, IQuerySession session, CancellationToken cancellationToken)
    {
        var wave = c.Granted.Item;
        if (wave.Proposal is { } asked && asked.Action == action)
        {
            return asked.By == c.User.UserId ? await AnswerAsync(wave.Id, http, access, session, cancellationToken, accepted: true) : null;
        }
        var what = action == ProposedActions.Lock
            ? $"locking the embargo of {wave.Name} at {EmbargoTimes.Describe(wave.Embargo.Utc, wave.Embargo.Zone)}"
            : $"lifting the embargo of {wave.Name} early ({reason})";
        writes.Notify(c.Granted.Investigation, [], withCoordinators: true, PublicationNoticeKinds.MoveAwaitsConfirmation, wave.Id, null,
            $"{c.User.DisplayName} proposes {what}; a second coordinator must do the same to confirm.", now, exceptUserId: c.User.UserId);
        return await writes.AppendAsync<PublicationWave>(http, wave.Id, wave.Version, [new EmbargoActionProposed(action, reason, c.User.UserId, c.User.DisplayName, now)],
            new AuditSubject($"publication.embargo-{action}-proposed", wave.InvestigationId, "wave", wave.Id.ToString(), reason), "wave", cancellationToken)
            ?? await AnswerAsync(wave.Id, http, access, session, cancellationToken, accepted: true);
    }

    public static async Task<IResult> Move(Guid waveId, EmbargoMove request, HttpContext http, PublicationAccess access, RecentSignIn recent, PublicationWrites writes, PublicationClock clock,
        PublicationOptions options, IQuerySession session, CancellationToken cancellationToken)
    {
        var (c, refused) = await CheckAsync(waveId, http, access, recent, coordinator: true, cancellationToken);
        if (c is null)
        {
            return refused!;
        }
        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            return PlanPublication.Invalid("reason", "Say why the embargo moves: every participant reads it.");
        }
        if (PublicationLimits.Text("reason", request.Reason) is { } tooLong)
        {
            return tooLong;
        }
        var (to, field, error) = EmbargoTimes.Parse(request.To, "to");
        if (to is null)
        {
            return PlanPublication.Invalid(field!, error!);
        }
        var wave = c.Granted.Item;
        var now = clock.Now;
        if (wave.IsClosed)
        {
            return Problems.Conflict("The embargo is over", $"It was {wave.State}; it cannot move.");
        }
        if (to.Utc <= now)
        {
            return PlanPublication.Invalid("to.localTime", $"{EmbargoTimes.Describe(to.Utc, to.Zone)} is in the past.");
        }
        var moveId = Guid.CreateVersion7();
        var reason = request.Reason.Trim();
        var subject = new AuditSubject("publication.embargo-moved", wave.InvestigationId, "wave", waveId.ToString(), $"from {wave.Embargo.Utc:O} to {to.Utc:O} ({to.Zone} {to.LocalTime}): {reason}");
        var withinMargin = wave.Embargo.Utc - now < options.ConfirmationMargin || to.Utc - now < options.ConfirmationMargin;
        // A draft moved close to now is one lock away from an imminent release: the same second coordinator as a locked one.
        if (wave.State == EmbargoStates.Draft && !withinMargin)
        {
            return await writes.AppendAsync<PublicationWave>(http, waveId, wave.Version, [new EmbargoMoved(moveId, to, reason, c.User.UserId, c.User.DisplayName, null, null, [], now)],
                subject, "wave", cancellationToken) ?? await AnswerAsync(waveId, http, access, session, cancellationToken);
        }
        if (withinMargin)
        {
            // So close to the instant that one person's mistake could not be caught in time: a second coordinator confirms.
            writes.Notify(c.Granted.Investigation, [], withCoordinators: true, PublicationNoticeKinds.MoveAwaitsConfirmation, waveId, null,
                $"{c.User.DisplayName} proposes moving the embargo of {wave.Name} to {EmbargoTimes.Describe(to.Utc, to.Zone)} ({reason}); a second coordinator must confirm.", now, moveId, c.User.UserId);
            return await writes.AppendAsync<PublicationWave>(http, waveId, wave.Version, [new EmbargoMoveProposed(moveId, to, reason, c.User.UserId, c.User.DisplayName, now)],
                subject with { Action = "publication.embargo-move-proposed" }, "wave", cancellationToken) ?? await AnswerAsync(waveId, http, access, session, cancellationToken, accepted: true);
        }
        return await ApplyMoveAsync(c, moveId, to, reason, c.User, null, http, access, writes, now, subject, session, cancellationToken);
    }

    private static async Task<IResult> ApplyMoveAsync(Checked c, Guid moveId, EmbargoTime to, string reason, ConsortiumUser proposer, ConsortiumUser? confirmer, HttpContext http,
        PublicationAccess access, PublicationWrites writes, DateTimeOffset now, AuditSubject subject, IQuerySession session, CancellationToken cancellationToken)
    {
        var wave = c.Granted.Item;
        var moved = new EmbargoMoved(moveId, to, reason, proposer.UserId, proposer.DisplayName, confirmer?.UserId, confirmer?.DisplayName, c.Participants, now);
        // The outlet moving it has read the new instant: its acknowledgement comes with the move.
        var acting = confirmer ?? proposer;
        object[] events = c.Participants.Contains(acting.OutletId)
            ? [moved, new EmbargoAcknowledged(moveId, acting.OutletId, acting.UserId, acting.DisplayName, now)]
            : [moved];
        writes.Notify(c.Granted.Investigation, c.Participants.Where(o => o != acting.OutletId), withCoordinators: false, PublicationNoticeKinds.EmbargoMoved, wave.Id, null,
            $"The embargo of {wave.Name} moved from {EmbargoTimes.Describe(wave.Embargo.Utc, to.Zone)} to {EmbargoTimes.Describe(to.Utc, to.Zone)}: {reason}. Acknowledge the new instant.", now, moveId);
        return await writes.AppendAsync<PublicationWave>(http, wave.Id, wave.Version, events, subject, "wave", cancellationToken)
            ?? await AnswerAsync(wave.Id, http, access, session, cancellationToken);
    }

    public static async Task<IResult> Confirm(Guid waveId, Guid moveId, HttpContext http, PublicationAccess access, RecentSignIn recent, PublicationWrites writes, PublicationClock clock,
        IQuerySession session, CancellationToken cancellationToken)
    {
        var (c, refused) = await CheckAsync(waveId, http, access, recent, coordinator: true, cancellationToken);
        if (c is null)
        {
            return refused!;
        }
        var wave = c.Granted.Item;
        if (wave.Pending is not { } pending || pending.MoveId != moveId)
        {
            return Problems.NotFound("pending move");
        }
        if (pending.By == c.User.UserId)
        {
            return Problems.Forbidden("A second coordinator confirms", "You proposed this move; another coordinator must confirm it.");
        }
        if (pending.To.Utc <= clock.Now)
        {
            return PlanPublication.Invalid("to.localTime", "The proposed instant has passed; propose another.");
        }
        var proposer = new ConsortiumUser(pending.By, pending.ByName, c.Granted.Investigation.People.FirstOrDefault(p => p.UserId == pending.By)?.OutletId ?? "");
        return await ApplyMoveAsync(c, moveId, pending.To, pending.Reason, proposer, c.User, http, access, writes, clock.Now,
            new AuditSubject("publication.embargo-moved", wave.InvestigationId, "wave", waveId.ToString(), $"confirmed move {moveId} from {wave.Embargo.Utc:O} to {pending.To.Utc:O}: {pending.Reason}"),
            session, cancellationToken);
    }

    public static async Task<IResult> Withdraw(Guid waveId, Guid moveId, HttpContext http, PublicationAccess access, PublicationWrites writes, PublicationClock clock, IQuerySession session,
        CancellationToken cancellationToken)
    {
        var (c, refused) = await CheckAsync(waveId, http, access, null, coordinator: true, cancellationToken);
        if (c is null)
        {
            return refused!;
        }
        if (c.Granted.Item.Pending?.MoveId != moveId)
        {
            return Problems.NotFound("pending move");
        }
        return await writes.AppendAsync<PublicationWave>(http, waveId, c.Granted.Item.Version, [new EmbargoMoveWithdrawn(moveId, c.User.UserId, clock.Now)],
            new AuditSubject("publication.embargo-move-withdrawn", c.Granted.Item.InvestigationId, "wave", waveId.ToString(), moveId.ToString()), "wave", cancellationToken)
            ?? await AnswerAsync(waveId, http, access, session, cancellationToken);
    }

    public static async Task<IResult> Acknowledge(Guid waveId, HttpContext http, PublicationAccess access, PublicationWrites writes, PublicationClock clock, IQuerySession session,
        CancellationToken cancellationToken)
    {
        var (c, refused) = await CheckAsync(waveId, http, access, null, coordinator: false, cancellationToken);
        if (c is null)
        {
            return refused!;
        }
        var wave = c.Granted.Item;
        if (wave.LatestMoveId is not { } moveId || wave.Acknowledgements.FirstOrDefault(a => a.OutletId == c.User.OutletId) is not { } mine)
        {
            return Problems.Conflict("Nothing to acknowledge", "The embargo has not moved since your outlet joined it.");
        }
        if (mine.Acknowledged)
        {
            return await AnswerAsync(waveId, http, access, session, cancellationToken);
        }
        return await writes.AppendAsync<PublicationWave>(http, waveId, wave.Version, [new EmbargoAcknowledged(moveId, c.User.OutletId, c.User.UserId, c.User.DisplayName, clock.Now)],
            new AuditSubject("publication.embargo-acknowledged", wave.InvestigationId, "wave", waveId.ToString(), $"move {moveId} by outlet {c.User.OutletId}"), "wave", cancellationToken)
            ?? await AnswerAsync(waveId, http, access, session, cancellationToken);
    }

    /// <summary>Acknowledging from a story's page: the story's wave, seen through the story.</summary>
    public static async Task<IResult> AcknowledgeFromStory(Guid storyId, HttpContext http, PublicationAccess access, PublicationWrites writes, PublicationClock clock, IQuerySession session,
        CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        return await access.StoryAsync(user, storyId, cancellationToken) is { } story
            ? await Acknowledge(story.Item.WaveId, http, access, writes, clock, session, cancellationToken)
            : Problems.NotFound("story");
    }

    public static async Task<IResult> Remind(Guid waveId, HttpContext http, PublicationAccess access, PublicationWrites writes, PublicationClock clock, IQuerySession session,
        CancellationToken cancellationToken)
    {
        var (c, refused) = await CheckAsync(waveId, http, access, null, coordinator: true, cancellationToken);
        if (c is null)
        {
            return refused!;
        }
        var wave = c.Granted.Item;
        var waiting = wave.Acknowledgements.Where(a => !a.Acknowledged).Select(a => a.OutletId).ToList();
        if (wave.LatestMoveId is not { } moveId || waiting.Count == 0)
        {
            return Problems.Conflict("Nobody to remind", "Every participating outlet has acknowledged the latest move.");
        }
        writes.Notify(c.Granted.Investigation, waiting, withCoordinators: false, PublicationNoticeKinds.AcknowledgementReminder, waveId, null,
            $"{c.User.DisplayName} reminds you: the embargo of {wave.Name} is now {EmbargoTimes.Describe(wave.Embargo.Utc, wave.Embargo.Zone)}. Acknowledge it.", clock.Now, moveId);
        return await writes.AppendAsync<PublicationWave>(http, waveId, wave.Version, [new AcknowledgementReminded(moveId, waiting, c.User.UserId, clock.Now)],
            new AuditSubject("publication.acknowledgement-reminded", wave.InvestigationId, "wave", waveId.ToString(), string.Join(",", waiting)), "wave", cancellationToken)
            ?? await AnswerAsync(waveId, http, access, session, cancellationToken);
    }

    public static async Task<IResult> Cancel(Guid waveId, EmbargoReason request, HttpContext http, PublicationAccess access, RecentSignIn recent, PublicationWrites writes, PublicationClock clock,
        IQuerySession session, CancellationToken cancellationToken) =>
        await EndAsync(waveId, request, early: false, http, access, recent, writes, clock, session, cancellationToken);

    // Releases every partner at once: a second coordinator must ask for it too (the first call answers 202 and waits).
    public static async Task<IResult> LiftEarly(Guid waveId, EmbargoReason request, HttpContext http, PublicationAccess access, RecentSignIn recent, PublicationWrites writes,
        PublicationClock clock, IQuerySession session, CancellationToken cancellationToken) =>
        await EndAsync(waveId, request, early: true, http, access, recent, writes, clock, session, cancellationToken);

    private static async Task<IResult> EndAsync(Guid waveId, EmbargoReason request, bool early, HttpContext http, PublicationAccess access, RecentSignIn recent, PublicationWrites writes,
        PublicationClock clock, IQuerySession session, CancellationToken cancellationToken)
    {
        var (c, refused) = await CheckAsync(waveId, http, access, recent, coordinator: true, cancellationToken);
        if (c is null)
        {
            return refused!;
        }
        if (string.IsNullOrWhiteSpace(request?.Reason))
        {
            return PlanPublication.Invalid("reason", early ? "Say why the embargo is lifted early." : "Say why the embargo is cancelled.");
        }
        if (PublicationLimits.Text("reason", request.Reason) is { } tooLong)
        {
            return tooLong;
        }
        var wave = c.Granted.Item;
        if (wave.IsClosed)
        {
            return Problems.Conflict("The embargo is over", $"It was {wave.State}.");
        }
        var now = clock.Now;
        if (early && await ProposeAsync(c, ProposedActions.LiftEarly, request.Reason.Trim(), http, access, writes, now, session, cancellationToken) is { } proposed)
        {
            return proposed;
        }
        object ended = early
            ? new EmbargoLifted(now, wave.Embargo.Utc, Early: true, TimeSpan.Zero, c.User.UserId, c.User.DisplayName, request.Reason.Trim())
            : new EmbargoCancelled(request.Reason.Trim(), c.User.UserId, c.User.DisplayName, now);
        writes.Notify(c.Granted.Investigation, c.Participants, withCoordinators: true, early ? PublicationNoticeKinds.EmbargoLifted : PublicationNoticeKinds.EmbargoCancelled, waveId, null,
            early ? $"The embargo of {wave.Name} was lifted early by {c.User.DisplayName}: {request.Reason.Trim()}. Publish now." : $"The embargo of {wave.Name} was cancelled: {request.Reason.Trim()}.",
            now);
        return await writes.AppendAsync<PublicationWave>(http, waveId, wave.Version, [ended],
            new AuditSubject(early ? "publication.embargo-lifted-early" : "publication.embargo-cancelled", wave.InvestigationId, "wave", waveId.ToString(),
                $"{(early ? $"lifted early (proposed by {wave.Proposal?.ByName}: {wave.Proposal?.Reason})" : "cancelled")} at {now:O}, embargo was {wave.Embargo.Utc:O}: {request.Reason.Trim()}"), "wave", cancellationToken)
            ?? await AnswerAsync(waveId, http, access, session, cancellationToken);
    }
}
