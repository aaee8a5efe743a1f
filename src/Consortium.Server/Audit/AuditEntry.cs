using Consortium.Client;
using Marten;
using Weasel.Postgresql;

namespace Consortium.Server.Audit;

/// <summary>
/// One audit entry, as stored: written in the transaction of the action it records (see
/// docs/decisions/0010-audit-sealed-chain.md), then sealed into the chain by <see cref="AuditSealer"/>, which sets
/// <see cref="Position"/>, <see cref="PreviousHash"/> and <see cref="Hash"/> and changes nothing else. The verifier
/// reads this table's JSON directly, so the property names are the <see cref="AuditEntryView"/> fields.
/// </summary>
/// <remarks>
/// <see cref="Index"/> is the entry's number, taken from a PostgreSQL sequence when it is written: unique and in the
/// order the actions started, with gaps where a transaction rolled back. <see cref="Position"/> is its place in the
/// chain, contiguous from 1 and given in the order the sealer finds committed entries.
/// </remarks>
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
    string? PreviousHash,
    string? Hash,
    long? Position = null)
{
    public static AuditEntry From(AuditEntryView v) =>
        new(v.Index, v.At, v.Action, v.ActorUserId, v.ActorDisplayName, v.ActorOutletId, v.InvestigationId, v.TargetType, v.TargetId, v.Detail, v.Client, v.IpAddress, v.UserAgent, v.PreviousHash, v.Hash, v.Position);

    public AuditEntryView ToView() =>
        new(Index, At, Action, ActorUserId, ActorDisplayName, ActorOutletId, InvestigationId, TargetType, TargetId, Detail, Client, IpAddress, UserAgent, PreviousHash, Hash, Position);
}

/// <summary>
/// The newest seal, rewritten by the sealer with every batch. Not evidence: a tripwire for the careless removal of the
/// newest entries (whoever deletes them carefully lowers this too; only an anchor kept elsewhere catches that).
/// </summary>
public sealed record AuditChainHead(string Id, long Position, string Hash)
{
    public const string OnlyId = "head";
}

public static class AuditStorage
{
    /// <summary>Source of <see cref="AuditEntry.Index"/>.</summary>
    public const string EntryNumberSequence = "audit_entry_number";

    public static void RegisterAuditEvents(this StoreOptions options)
    {
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
            // The sealer finds waiting entries by "position is null" and the chain's head by the largest position; the
            // unique index also refuses a second entry at a position already taken, so even two sealers that both
            // believed they held the lock could not fork the chain: one of their transactions fails.
            .Duplicate(e => e.Position!)
            .UniqueIndex(Marten.Schema.UniqueIndexType.DuplicatedField, "ux_auditentry_position", e => e.Position!)
            // The listing walks one investigation's entries by index; the duplicate's own index alone would sort them.
            .Index([e => e.InvestigationId!, e => e.Index], index => index.Name = "ix_auditentry_investigation_index")
            .Index([e => e.TargetId!, e => e.ActorOutletId!, e => e.Index], index => index.Name = "ix_auditentry_target_outlet_index");
        options.Schema.For<AuditChainHead>().Identity(h => h.Id);
        options.Storage.ExtendedSchemaObjects.Add(new Sequence(new PostgresqlObjectName(options.DatabaseSchemaName, EntryNumberSequence, Weasel.Postgresql.SchemaUtils.IdentifierUsage.General)));
    }
}
