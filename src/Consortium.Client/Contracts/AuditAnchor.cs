namespace Consortium.Client;

/// <summary>
/// The newest link of the audit chain: its position and hash. Kept by a second party (another outlet, a lawyer), it later
/// proves that the chain up to there was neither rewritten nor cut short: pass it to <c>consortium audit verify --anchor</c>.
/// Position 0 with the genesis hash: nothing sealed yet.
/// </summary>
public sealed record AuditAnchor(long Position, string Hash, DateTimeOffset ReadAt)
{
    /// <summary>The form <c>--anchor</c> takes: <c>position:hash</c>.</summary>
    public override string ToString() => $"{Position}:{Hash}";
}
