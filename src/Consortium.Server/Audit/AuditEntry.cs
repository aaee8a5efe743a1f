using Consortium.Client;
using Marten;
using Weasel.Postgresql;

namespace Consortium.Server.Audit;

/// <summary>
/// One audit entry, as stored: inserted in the transaction of the action it records (see
/// docs/decisions/0010-audit-sealed-chain.md) and never changed afterwards. Its place in the hash chain is the
/// <see cref="AuditSeal"/> the <see cref="AuditSealer"/> writes for it later. The verifier reads this table's JSON
/// directly, so the property names are the <see cref="AuditEntryView"/> fields.
/// </summary>
/// <remarks>
/// <see cref="Index"/> is the entry's number, taken from a PostgreSQL sequence when it is written: unique and in the
/// order the actions started, with gaps where a transaction rolled back.
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
    string? UserAgent)
{
    public static AuditEntry From(AuditEntryView v) =>
        new(v.Index, v.At, v.Action, v.ActorUserId, v.ActorDisplayName, v.ActorOutletId, v.InvestigationId, v.TargetType, v.TargetId, v.Detail, v.Client, v.IpAddress, v.UserAgent);

    /// <summary>The entry as the API shows it: with its seal, or with null position and hashes while it waits for one.</summary>
    public AuditEntryView ToView(AuditSeal? seal) =>
        new(Index, At, Action, ActorUserId, ActorDisplayName, ActorOutletId, InvestigationId, TargetType, TargetId, Detail, Client, IpAddress, UserAgent, seal?.PreviousHash, seal?.Hash, seal?.Position);
}

/// <summary>
/// An entry's place in the hash chain: its position (the identity, contiguous from 1), the entry's number, the hash of
/// the entry at the position before and its own hash (<see cref="AuditChain.ComputeHash"/> over the entry's values with
/// this position and previous hash). Written once, by the sealer, in a narrow table of its own so that sealing inserts
/// a small row instead of rewriting the entry and every index on it.
/// </summary>
public sealed record AuditSeal(long Position, long Entry, string PreviousHash, string Hash);

/// <summary>
/// An entry not sealed yet: inserted with the entry, in the same transaction, and deleted by the sealer in the
/// transaction that seals it. Only how the sealer finds its work quickly; the verifier finds unsealed entries by looking
/// for entries without a seal, so removing one of these hides nothing.
/// </summary>
public sealed record AuditPending(long Id);

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
            // The listing walks one investigation's entries by index; the duplicate's own index alone would sort them.
            .Index([e => e.InvestigationId!, e => e.Index], index => index.Name = "ix_auditentry_investigation_index")
            .Index([e => e.TargetId!, e => e.ActorOutletId!, e => e.Index], index => index.Name = "ix_auditentry_target_outlet_index");
        // One seal per entry: a second seal for the same entry is refused, as is a second seal at a taken position (the
        // identity), so even two sealers that both believed they held the lock could not fork the chain.
        options.Schema.For<AuditSeal>()
            .Identity(s => s.Position)
            .Duplicate(s => s.Entry, configure: index => index.IsUnique = true);
        options.Schema.For<AuditPending>().Identity(p => p.Id);
        options.Schema.For<AuditChainHead>().Identity(h => h.Id);
        options.Storage.ExtendedSchemaObjects.Add(new Sequence(new PostgresqlObjectName(options.DatabaseSchemaName, EntryNumberSequence, Weasel.Postgresql.SchemaUtils.IdentifierUsage.General)));
    }
}
