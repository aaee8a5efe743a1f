namespace Consortium.Server.Access;

/// <summary>
/// A record narrowed to named outlets (a source's identity, say), beyond its dataset's compartment. Kept beside the
/// record rather than in it: records are evidence and never change. Its id is the record's id.
/// </summary>
public sealed record RecordRestriction(Guid Id, Guid DatasetId, IReadOnlyList<string> OutletIds, string SetBy, DateTimeOffset SetAt);
