using Consortium.Client;
using JasperFx.Events;

namespace Consortium.Server.Publication;

public sealed record WaveMove(Guid MoveId, DateTimeOffset FromUtc, EmbargoTime To, string Reason, string ByName, string? ConfirmedByName, DateTimeOffset At);

public sealed record PendingMove(Guid MoveId, EmbargoTime To, string Reason, string By, string ByName, DateTimeOffset At);

/// <summary>A lock or early lift one coordinator asked for; it happens when a second coordinator asks for the same.</summary>
public sealed record PendingAction(string Action, string? Reason, string By, string ByName, DateTimeOffset At);

/// <summary>An outlet's acknowledgement of the latest move (listed from the first move of a locked embargo on).</summary>
public sealed record OutletAcknowledgement(string OutletId, bool Acknowledged, string? ByName, DateTimeOffset? At, DateTimeOffset? RemindedAt);

/// <summary>
/// A wave and its embargo, projected inline from the wave's stream. <see cref="Version"/> is the stream version (the
/// ETag and the lift's guard), <see cref="Sequence"/> the global sequence number of its latest event (the feed's and
/// the push's). <see cref="LiftDue"/> and <see cref="EmbargoUtc"/> are what the lift queries.
/// </summary>
public sealed record PublicationWave(
    Guid Id,
    Guid InvestigationId,
    string Name,
    EmbargoTime Embargo,
    string State,
    IReadOnlyList<WaveMove> Moves,
    IReadOnlyList<OutletAcknowledgement> Acknowledgements,
    PendingMove? Pending,
    DateTimeOffset? LiftedAt,
    DateTimeOffset EmbargoUtc,
    bool LiftDue,
    long Version,
    long Sequence,
    PendingAction? Proposal = null)
{
    public static bool WaitsForLift(string state) => state is EmbargoStates.Locked or EmbargoStates.Postponed or EmbargoStates.BroughtForward;

    public bool IsLifted => State is EmbargoStates.Lifted or EmbargoStates.LiftedEarly;

    public bool IsClosed => IsLifted || State == EmbargoStates.Cancelled;

    public Guid? LatestMoveId => Moves.Count > 0 ? Moves[^1].MoveId : null;

    public static PublicationWave Create(IEvent<WavePlanned> e) =>
        new(e.Data.WaveId, e.Data.InvestigationId, e.Data.Name, e.Data.Embargo, EmbargoStates.Draft, [], [], null, null, e.Data.Embargo.Utc, false, e.Version, e.Sequence);

    public PublicationWave Apply(IEvent<EmbargoLocked> e) => ApplyAny(e);

    public PublicationWave Apply(IEvent<EmbargoMoved> e) => ApplyAny(e);

    public PublicationWave Apply(IEvent<EmbargoMoveProposed> e) => ApplyAny(e);

    public PublicationWave Apply(IEvent<EmbargoMoveWithdrawn> e) => ApplyAny(e);

    public PublicationWave Apply(IEvent<EmbargoActionProposed> e) => ApplyAny(e);

    public PublicationWave Apply(IEvent<EmbargoAcknowledged> e) => ApplyAny(e);

    public PublicationWave Apply(IEvent<AcknowledgementReminded> e) => ApplyAny(e);

    public PublicationWave Apply(IEvent<EmbargoLifted> e) => ApplyAny(e);

    public PublicationWave Apply(IEvent<EmbargoCancelled> e) => ApplyAny(e);

    public PublicationWave ApplyAny(IEvent e) => Then(e.Data) with { Version = e.Version, Sequence = e.Sequence };

    /// <summary>The state after an event, numbers aside: pure, so a decision can look ahead.</summary>
    public PublicationWave Then(object change)
    {
        var next = change switch
        {
            EmbargoLocked => this with { State = EmbargoStates.Locked, Proposal = null },
            EmbargoActionProposed a => this with { Proposal = new PendingAction(a.Action, a.Reason, a.By, a.ByName, a.At) },
            EmbargoMoved m => this with
            {
                Embargo = m.To,
                State = State == EmbargoStates.Draft ? EmbargoStates.Draft : m.To.Utc > Embargo.Utc ? EmbargoStates.Postponed : m.To.Utc < Embargo.Utc ? EmbargoStates.BroughtForward : State,
                Moves = State == EmbargoStates.Draft ? Moves : [.. Moves, new WaveMove(m.MoveId, Embargo.Utc, m.To, m.Reason, m.ByName, m.ConfirmedByName, m.At)],
                Acknowledgements = State == EmbargoStates.Draft ? Acknowledgements : m.AwaitingOutletIds.Select(o => new OutletAcknowledgement(o, false, null, null, null)).ToList(),
                Pending = null,
                Proposal = null,
            },
            EmbargoMoveProposed p => this with { Pending = new PendingMove(p.MoveId, p.To, p.Reason, p.By, p.ByName, p.At) },
            EmbargoMoveWithdrawn => this with { Pending = null },
            EmbargoAcknowledged a when a.MoveId == LatestMoveId => this with
            {
                Acknowledgements = Acknowledgements.Any(x => x.OutletId == a.OutletId)
                    ? Acknowledgements.Select(x => x.OutletId == a.OutletId ? x with { Acknowledged = true, ByName = a.ByName, At = a.At } : x).ToList()
                    : [.. Acknowledgements, new OutletAcknowledgement(a.OutletId, true, a.ByName, a.At, null)],
            },
            AcknowledgementReminded r => this with
            {
                Acknowledgements = Acknowledgements.Select(x => r.OutletIds.Contains(x.OutletId) ? x with { RemindedAt = r.At } : x).ToList(),
            },
            EmbargoLifted l => this with { State = l.Early ? EmbargoStates.LiftedEarly : EmbargoStates.Lifted, LiftedAt = l.At, Pending = null, Proposal = null },
            EmbargoCancelled => this with { State = EmbargoStates.Cancelled, Pending = null, Proposal = null },
            _ => this,
        };
        return next with { EmbargoUtc = next.Embargo.Utc, LiftDue = WaitsForLift(next.State) };
    }

    /// <summary>What a coordinator may do next with this embargo (the UI shows these, never its own copy of the rules).</summary>
    public IReadOnlyList<string> AllowedNext() => State switch
    {
        EmbargoStates.Draft => ["lock", "move", "cancel"],
        EmbargoStates.Locked or EmbargoStates.Postponed or EmbargoStates.BroughtForward => ["move", "lift-early", "cancel", "remind"],
        _ => [],
    };
}
