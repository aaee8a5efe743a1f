using Consortium.Client;
using JasperFx.Events;

namespace Consortium.Server.Publication;

public sealed record SignOff(string OutletId, string Step, string ByName, DateTimeOffset At);

public sealed record Letter(Guid Id, string OutletId, string Recipient, string Channel, string AllegationsVersion, DateTimeOffset SentAt, DateTimeOffset Deadline,
    IReadOnlyList<string> QuotingOutletIds, DateTimeOffset? ResponseReceivedAt = null, string? ResponseText = null);

public sealed record Breach(Guid Id, string OutletId, string ByName, string Link, DateTimeOffset SeenAt, DateTimeOffset ReportedAt, string? EvidenceFileName, string? EvidenceSha256);

/// <summary>
/// A story, projected inline from its stream: who takes part, what it relies on, the sign-off board, letters and
/// breaches. <see cref="ParticipantOutletIds"/> is read by SQL (the feed's and the plan's visibility): keep its name.
/// </summary>
public sealed record PublicationStory(
    Guid Id,
    Guid InvestigationId,
    Guid WaveId,
    string Title,
    string Summary,
    string LeadOutletId,
    IReadOnlyList<string> ParticipantOutletIds,
    StoryMaterial Material,
    string State,
    DateTimeOffset? SignOffDeadline,
    IReadOnlyList<SignOff> SignOffs,
    IReadOnlyList<Letter> Letters,
    IReadOnlyList<Breach> Breaches,
    long Version,
    long Sequence)
{
    public bool HasParticipant(string outletId) => ParticipantOutletIds.Contains(outletId);

    public static PublicationStory Create(IEvent<StoryPlanned> e) =>
        new(e.Data.StoryId, e.Data.InvestigationId, e.Data.WaveId, e.Data.Title, e.Data.Summary, e.Data.LeadOutletId, e.Data.ParticipantOutletIds, e.Data.Material,
            StoryStates.Draft, e.Data.SignOffDeadline, [], [], [], e.Version, e.Sequence);

    public PublicationStory Apply(IEvent<StoryChanged> e) => ApplyAny(e);

    public PublicationStory Apply(IEvent<SignOffGiven> e) => ApplyAny(e);

    public PublicationStory Apply(IEvent<SignOffWithdrawn> e) => ApplyAny(e);

    public PublicationStory Apply(IEvent<LetterSent> e) => ApplyAny(e);

    public PublicationStory Apply(IEvent<LetterAnswered> e) => ApplyAny(e);

    public PublicationStory Apply(IEvent<BreachReported> e) => ApplyAny(e);

    public PublicationStory ApplyAny(IEvent e) => Then(e.Data) with { Version = e.Version, Sequence = e.Sequence };

    public PublicationStory Then(object change) => change switch
    {
        StoryChanged c => this with
        {
            Title = c.Title ?? Title,
            Summary = c.Summary ?? Summary,
            ParticipantOutletIds = c.ParticipantOutletIds ?? ParticipantOutletIds,
            Material = c.Material ?? Material,
            State = c.State ?? State,
            SignOffDeadline = c.SignOffDeadline ?? SignOffDeadline,
            // An outlet no longer taking part leaves the board with its sign-offs.
            SignOffs = c.ParticipantOutletIds is { } outlets ? SignOffs.Where(s => outlets.Contains(s.OutletId)).ToList() : SignOffs,
        },
        SignOffGiven g => this with { SignOffs = [.. SignOffs.Where(s => !(s.OutletId == g.OutletId && s.Step == g.Step)), new SignOff(g.OutletId, g.Step, g.ByName, g.At)] },
        SignOffWithdrawn w => this with { SignOffs = SignOffs.Where(s => !(s.OutletId == w.OutletId && s.Step == w.Step)).ToList() },
        LetterSent l => this with
        {
            Letters = [.. Letters, new Letter(l.LetterId, l.OutletId, l.Recipient, l.Channel, l.AllegationsVersion, l.SentAt, l.Deadline, l.QuotingOutletIds)],
        },
        LetterAnswered a => this with
        {
            Letters = Letters.Select(l => l.Id == a.LetterId ? l with { ResponseReceivedAt = a.ReceivedAt, ResponseText = a.Text } : l).ToList(),
        },
        BreachReported b => this with
        {
            Breaches = [.. Breaches, new Breach(b.BreachId, b.OutletId, b.ByName, b.Link, b.SeenAt, b.At, b.EvidenceFileName, b.EvidenceSha256)],
        },
        _ => this,
    };
}
