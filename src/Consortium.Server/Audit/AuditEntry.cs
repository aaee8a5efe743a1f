using Consortium.Client;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Projections;

namespace Consortium.Server.Audit;

/// <summary>
/// Read model of one audit entry, projected inline from the chain so it commits with the entry. Only for filtering and
/// paging: the chain in <c>mt_events</c> is the evidence, and the verifier never looks here.
/// </summary>
public sealed record AuditEntry(
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
    public static AuditEntry From(AuditEntryRecorded e) =>
        new(e.Index, e.At, e.Action, e.ActorUserId, e.ActorDisplayName, e.ActorOutletId, e.InvestigationId, e.TargetType, e.TargetId, e.Detail, e.Client, e.IpAddress, e.UserAgent, e.PreviousHash, e.Hash);

    public AuditEntryView ToView() =>
        new(Index, At, Action, ActorUserId, ActorDisplayName, ActorOutletId, InvestigationId, TargetType, TargetId, Detail, Client, IpAddress, UserAgent, PreviousHash, Hash);
}

public sealed partial class AuditEntryProjection : EventProjection
{
    public AuditEntry Create(AuditEntryRecorded recorded) => AuditEntry.From(recorded);
}

public static class AuditStorage
{
    public static void RegisterAuditEvents(this StoreOptions options)
    {
        options.Events.AddEventType<AuditEntryRecorded>();
        options.Projections.Add<AuditEntryProjection>(ProjectionLifecycle.Inline);
        // The chain index is the identity, so keyset paging walks the primary key; the duplicated columns are what the
        // coordinators' listing filters by.
        options.Schema.For<AuditEntry>()
            .Identity(e => e.Index)
            .Duplicate(e => e.InvestigationId!)
            .Duplicate(e => e.Action)
            .Duplicate(e => e.ActorUserId)
            .Duplicate(e => e.At)
            // "Recently viewed in your outlet" looks up one record's reads by one outlet.
            .Duplicate(e => e.TargetId!)
            .Duplicate(e => e.ActorOutletId!)
            // The listing walks one investigation's entries by index; the duplicate's own index alone would sort them.
            .Index([e => e.InvestigationId!, e => e.Index], index => index.Name = "ix_auditentry_investigation_index")
            .Index([e => e.TargetId!, e => e.ActorOutletId!, e => e.Index], index => index.Name = "ix_auditentry_target_outlet_index");
    }
}
