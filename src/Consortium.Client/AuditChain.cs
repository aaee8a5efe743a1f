using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Consortium.Client;

/// <summary>
/// The hash chain that makes the audit log tamper-evident. The server's sealer computes every entry's hash with these
/// functions when it links the entry into the chain, and the verifier (<c>consortium audit verify</c>, or any partner
/// tool) recomputes them.
/// </summary>
/// <remarks>
/// <para>
/// <c>Hash = lowercase hex SHA-256 of the UTF-8 bytes of Field(PreviousHash) + U+001F + <see cref="Canonical"/>(entry)</c>.
/// The first entry's <see cref="AuditEntryView.PreviousHash"/> is <see cref="GenesisHash"/>.
/// </para>
/// <para>
/// The canonical form is built from the values alone, never from stored JSON text (PostgreSQL's jsonb reorders keys
/// and normalises whitespace). For a sealed entry (<see cref="AuditEntryView.Position"/> set) it is the format tag
/// <see cref="FormatVersion"/> followed by these fields, in this order, joined by U+001F: position, index, at, action,
/// actor user id, actor display name, actor outlet id, investigation id, target type, target id, detail, client,
/// IP address, user agent. Each field is written as <c>Field(text)</c>: the number of UTF-8 bytes of the text, a colon
/// and the text itself (<c>"5:hello"</c>, and <c>"0:"</c> for an empty string), or a lone <c>"-"</c> for null. The
/// length prefix makes the form unambiguous even when a value contains U+001F, so text cannot be moved from one field
/// to the next without changing the hash. Numbers are written in invariant culture, times as ISO 8601 round-trip text
/// in UTC (<c>2025-06-01T09:30:00.1234567Z</c>), ids in the "D" format (lowercase, hyphens).
/// </para>
/// <para>
/// An entry without a position is in the first format, <see cref="FormatVersionChainedAtAppend"/>, where the index was
/// the chain position: the same fields without the position, under that tag. Nothing writes it any more; it is kept so
/// chains stored in it stay verifiable (docs/decisions/0006 and 0010).
/// </para>
/// </remarks>
public static class AuditChain
{
    /// <summary>The previous hash of the first entry: 64 zeros.</summary>
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>Tag at the start of every canonical form of a sealed entry, so a later format can be told apart from this one.</summary>
    public const string FormatVersion = "consortium-audit-v2";

    /// <summary>Tag of the first format, in which entries were chained as they were appended and the index was the position.</summary>
    public const string FormatVersionChainedAtAppend = "consortium-audit-v1";

    /// <summary>
    /// The id of the event stream in which the first format kept every audit entry, in chain order (stream version =
    /// index). Nothing appends to it any more.
    /// </summary>
    public static readonly Guid StreamId = new("00000000-0000-0000-0000-0000000a0d17");

    /// <summary>The table (in the server's schema) that holds the entries: the JSON of each row is an <see cref="AuditEntryView"/> without its seal.</summary>
    public const string EntryTable = "mt_doc_auditentry";

    /// <summary>
    /// The table that holds the seals, one row per sealed entry, its id the position: the JSON of each row carries
    /// <c>position</c>, <c>entry</c> (the entry's number), <c>previousHash</c> and <c>hash</c>.
    /// </summary>
    public const string SealTable = "mt_doc_auditseal";

    /// <summary>The table holding the sealer's newest position and hash (a tripwire, not evidence).</summary>
    public const string HeadTable = "mt_doc_auditchainhead";

    private const char Separator = '\u001f';

    /// <summary>
    /// The file beside the key (<c>audit-chain.unkeyed-prefix</c> beside <c>audit-chain.key</c>) that records, outside the
    /// database, how many entries were sealed before the key existed: the chain's length when the server first used the key.
    /// </summary>
    public static string UnkeyedPrefixFileOf(string keyPath) => System.IO.Path.ChangeExtension(keyPath, ".unkeyed-prefix");

    /// <summary>The canonical text of every field of <paramref name="entry"/> except <see cref="AuditEntryView.PreviousHash"/> and <see cref="AuditEntryView.Hash"/>.</summary>
    public static string Canonical(AuditEntryView entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var text = new StringBuilder(512);
        if (entry.Position is { } position)
        {
            AppendField(text.Append(FormatVersion).Append(Separator), position.ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            text.Append(FormatVersionChainedAtAppend);
        }
        foreach (var field in new[]
        {
            entry.Index.ToString(CultureInfo.InvariantCulture),
            entry.At.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            entry.Action,
            entry.ActorUserId,
            entry.ActorDisplayName,
            entry.ActorOutletId,
            entry.InvestigationId?.ToString("D", CultureInfo.InvariantCulture),
            entry.TargetType,
            entry.TargetId,
            entry.Detail,
            entry.Client,
            entry.IpAddress,
            entry.UserAgent,
        })
        {
            AppendField(text.Append(Separator), field);
        }
        return text.ToString();
    }

    /// <summary>The hash <paramref name="entry"/> must carry: its previous hash and canonical form, hashed together (see the remarks on <see cref="AuditChain"/>).</summary>
    public static string ComputeHash(AuditEntryView entry) => ComputeKeyedHash(entry, key: null);

    /// <summary>
    /// The keyed hash: HMAC-SHA-256 under <paramref name="key"/> of the same input as <see cref="ComputeHash"/>
    /// (plain SHA-256 when <paramref name="key"/> is null). Whoever can write the database but does not hold the key,
    /// kept outside it, cannot recompute the chain after altering an entry.
    /// </summary>
    public static string ComputeKeyedHash(AuditEntryView entry, byte[]? key)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var input = Encoding.UTF8.GetBytes(AppendField(new StringBuilder(600), entry.PreviousHash).Append(Separator).Append(Canonical(entry)).ToString());
        return Convert.ToHexStringLower(key is null ? SHA256.HashData(input) : HMACSHA256.HashData(key, input));
    }

    private static StringBuilder AppendField(StringBuilder text, string? value) => value is null
        ? text.Append('-')
        : text.Append(Encoding.UTF8.GetByteCount(value).ToString(CultureInfo.InvariantCulture)).Append(':').Append(value);
}

/// <summary>
/// Checks audit entries one by one, in chain order: positions contiguous from 1, each entry's previous hash equal to the
/// hash of the entry before it (the genesis hash for the first), and each hash equal to the one recomputed from the
/// entry's values. Stops at the first break. "Entry N" in what it reports is the entry at chain position N (for entries
/// in the first format, which have no position, their index).
/// </summary>
/// <remarks>
/// An intact chain proves that no entry up to the newest one checked was altered, removed, inserted or reordered
/// without recomputing every later hash. It cannot tell that the newest entries were removed: compare
/// <see cref="LastHash"/> with a value recorded elsewhere for that (see <see cref="Confirms"/>).
/// </remarks>
/// <param name="key">The chain's key, or null to check plain SHA-256 hashes only.</param>
/// <param name="unkeyedAllowed">
/// With a key: how many entries at the start of the chain may be unkeyed, a number recorded outside the database when
/// the key was created (the chain's length then; 0 for a chain keyed from its start). Any unkeyed entry after it is a
/// break, so a chain re-sealed without the key from genesis does not pass as an "unkeyed prefix".
/// </param>
public sealed class AuditChainVerifier(byte[]? key = null, long unkeyedAllowed = 0)
{
    /// <summary>
    /// Entries at the start of the chain that were sealed without a key (by a version before chains were keyed). With a key,
    /// only such a prefix, no longer than the number allowed, is accepted: an unkeyed entry after a keyed one, or beyond
    /// that number, means the chain was rewritten without the key.
    /// </summary>
    public long UnkeyedPrefix { get; private set; }

    private bool keyedSeen;

    /// <summary>Entries checked and found intact so far.</summary>
    public long Count { get; private set; }

    /// <summary>The hash of the newest intact entry (<see cref="AuditChain.GenesisHash"/> before the first).</summary>
    public string LastHash { get; private set; } = AuditChain.GenesisHash;

    /// <summary>The first break found, or null while the chain is intact.</summary>
    public AuditChainBreak? Break { get; private set; }

    private readonly Dictionary<long, string> anchors = [];

    /// <summary>Checks the next entry. Returns false, and sets <see cref="Break"/>, when it does not continue the chain.</summary>
    public bool Add(AuditEntryView entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (Break is not null)
        {
            return false;
        }
        var expected = Count + 1;
        var position = entry.Position ?? entry.Index;
        if (position != expected)
        {
            return RecordBreak(expected, position > expected
                ? $"expected entry {expected}{(Count == 0 ? " first" : $" after entry {Count}")}, found entry {position}: entries were removed"
                : $"expected entry {expected}{(Count == 0 ? " first" : $" after entry {Count}")}, found entry {position}: entries were inserted or reordered");
        }
        if (entry.Hash is null)
        {
            return RecordBreak(expected, "it has a position but no hash: it was never sealed, or its seal was removed");
        }
        if (!string.Equals(entry.PreviousHash, LastHash, StringComparison.Ordinal))
        {
            return RecordBreak(expected, Count == 0
                ? "its previous hash is not the genesis hash: the chain does not start here"
                : $"its previous hash does not match the hash of entry {Count}: entry {Count} was altered or replaced, or entries were reordered");
        }
        if (key is not null && string.Equals(AuditChain.ComputeKeyedHash(entry, key), entry.Hash, StringComparison.Ordinal))
        {
            keyedSeen = true;
        }
        else if (!string.Equals(AuditChain.ComputeHash(entry), entry.Hash, StringComparison.Ordinal))
        {
            return RecordBreak(expected, key is null
                ? "its hash does not match its contents: the entry was altered (or the chain is keyed: pass its key with --key-file)"
                : "its hash does not match its contents under the chain's key: the entry was altered, or sealed with another key");
        }
        else if (key is not null && expected > unkeyedAllowed)
        {
            return RecordBreak(expected, keyedSeen
                ? "it was sealed without the key after keyed entries: the chain was rewritten from here by someone without the key"
                : $"it was sealed without the key, but only entries up to {unkeyedAllowed} predate the key: the chain was rewritten from here by someone without the key");
        }
        else if (key is not null && keyedSeen)
        {
            return RecordBreak(expected, "it was sealed without the key after keyed entries: the chain was rewritten from here by someone without the key");
        }
        else if (key is not null)
        {
            UnkeyedPrefix = expected;
        }
        if (anchors.TryGetValue(expected, out var anchored) && !string.Equals(anchored, entry.Hash, StringComparison.OrdinalIgnoreCase))
        {
            return RecordBreak(expected, $"its hash is not the anchored hash {anchored}: the chain was rewritten from here or earlier");
        }
        Count = expected;
        LastHash = entry.Hash;
        return true;
    }

    /// <summary>
    /// Requires entry <paramref name="index"/> to exist with hash <paramref name="hash"/>, a value recorded outside the
    /// database earlier (printed by a previous verification). Call before adding entries, then <see cref="Confirms"/> after the last.
    /// </summary>
    public void Anchor(long index, string hash) => anchors[index] = hash;

    /// <summary>
    /// After the last entry: false, with <see cref="Break"/> set, when an anchored entry was never reached, i.e. the
    /// newest entries were removed. True when the chain is intact and every anchor was met.
    /// </summary>
    public bool Confirms()
    {
        if (Break is not null)
        {
            return false;
        }
        var missing = anchors.Keys.Where(index => index > Count).Order().ToList();
        return missing.Count == 0 || RecordBreak(Count + 1, $"the chain ends at entry {Count}, but entry {missing[^1]} was anchored: the newest entries were removed");
    }

    /// <summary>Records a break found by the caller outside the entries themselves (for example a stored count that disagrees).</summary>
    public bool RecordBreak(long index, string problem)
    {
        Break ??= new AuditChainBreak(index, problem);
        return false;
    }
}

/// <summary>Where the audit chain breaks: the index of the first entry that does not continue it, and why.</summary>
public sealed record AuditChainBreak(long Index, string Problem);
