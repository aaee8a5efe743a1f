using Consortium.Client;

namespace Consortium.Server.Records;

/// <summary>
/// What a search may look at: the datasets the caller sees (compartments applied), the records restricted away from
/// them, and who they are (annotations count only where the caller may read them).
/// </summary>
internal sealed record SearchScope(Guid[] DatasetIds, Guid[] HiddenRecordIds, string OutletId, string UserId);

/// <summary>Filters a facet leaves out of its own count.</summary>
[Flags]
internal enum SearchFilter
{
    None = 0,
    Country = 1,
    Dataset = 2,
    Verification = 4,
    Tag = 8,
    Annotated = 16,
}

/// <summary>One result row before highlights.</summary>
internal sealed record SearchRow(RecordView Record, string? SortKey);
