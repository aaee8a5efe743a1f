using Consortium.Client;
using Marten;

namespace Consortium.Server.Investigations;

/// <summary>One consortium project. Member outlets see it; the coordinating outlet runs it.</summary>
public sealed record Investigation(Guid Id, string Name, string Description, string CoordinatorOutletId, IReadOnlyList<string> MemberOutletIds, DateTimeOffset CreatedAt)
{
    public bool HasMember(string outletId) => MemberOutletIds.Contains(outletId);

    public InvestigationView ToView(int datasetCount) => new(Id, Name, Description, CoordinatorOutletId, MemberOutletIds, datasetCount);
}

internal static class InvestigationDocuments
{
    public static void RegisterInvestigationDocuments(this StoreOptions options)
    {
        options.Schema.For<Outlet>().Identity(o => o.Id);
        // Membership is what every read is filtered by, so containment queries get a GIN index.
        options.Schema.For<Investigation>().GinIndexJsonData();
    }
}
