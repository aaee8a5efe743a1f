using Consortium.Client;

namespace Consortium.Server.Audit;

/// <summary>
/// One entry of the audit chain. Its property names are the JSON the verifier reads back from <c>mt_events</c> into
/// <see cref="AuditEntryView"/>, so the two records keep the same fields; <see cref="Hash"/> covers all the others
/// (<see cref="AuditChain.ComputeHash"/>).
/// </summary>
public sealed record AuditEntryRecorded(
    long Index,
    DateTimeOffset At,
    string Action,
    string ActorUserId,
    string ActorDisplayName,
    string? ActorOutletId,
    Guid? InvestigationId,
    string? TargetType,
    string? TargetId,
    string? Detail,
    string Client,
    string? IpAddress,
    string? UserAgent,
    string PreviousHash,
    string Hash)
{
    public AuditEntryView ToView() =>
        new(Index, At, Action, ActorUserId, ActorDisplayName, ActorOutletId, InvestigationId, TargetType, TargetId, Detail, Client, IpAddress, UserAgent, PreviousHash, Hash);

    public static AuditEntryRecorded From(AuditEntryView v) =>
        new(v.Index, v.At, v.Action, v.ActorUserId, v.ActorDisplayName, v.ActorOutletId, v.InvestigationId, v.TargetType, v.TargetId, v.Detail, v.Client, v.IpAddress, v.UserAgent, v.PreviousHash, v.Hash);
}

/// <summary>What an entry's target names; free text in the chain, fixed here so entries read alike.</summary>
public static class AuditTargets
{
    public const string Investigation = "investigation";
    public const string Dataset = "dataset";
    public const string Record = "record";
    public const string Annotation = "annotation";
    public const string User = "user";
}
