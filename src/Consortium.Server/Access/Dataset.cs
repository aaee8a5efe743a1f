using Consortium.Client;

namespace Consortium.Server.Access;

/// <summary>
/// A body of leaked material inside an investigation. <see cref="SharedWithOutletIds"/> null shares it with every
/// member outlet; otherwise only the named outlets (a compartment) see it and its records. <see cref="Schema"/> says
/// what each column holds (declared at creation, or inferred from the first imported file's header; see
/// <c>Records.DatasetSchema</c>), and <see cref="Columns"/> is their order in files.
/// </summary>
public sealed record Dataset(
    Guid Id,
    Guid InvestigationId,
    string Name,
    string Description,
    IReadOnlyList<string>? SharedWithOutletIds,
    IReadOnlyList<string> Columns,
    long RecordCount,
    DateTimeOffset CreatedAt,
    IReadOnlyList<DatasetColumn>? Schema = null)
{
    public bool IsSharedWith(string outletId) => SharedWithOutletIds is null || SharedWithOutletIds.Contains(outletId);

    public DatasetView ToView() => new(Id, InvestigationId, Name, Description, RecordCount, Columns, SharedWithOutletIds, Schema);
}
