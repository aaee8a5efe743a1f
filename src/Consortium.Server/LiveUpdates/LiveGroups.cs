namespace Consortium.Server.LiveUpdates;

/// <summary>
/// SignalR group names. A connection that may see a record joins three groups for it: the record's own
/// (consortium-wide annotations), the record's group for its outlet, and the record's group for its user.
/// A connection following an investigation joins the investigation's group, its outlet's and its user's.
/// A push goes only to groups entitled to it, so visibility never depends on a client filtering.
/// </summary>
public static class LiveGroups
{
    public static string Record(Guid recordId) => $"record:{recordId}";

    public static string RecordForOutlet(Guid recordId, string outletId) => $"record:{recordId}:outlet:{outletId}";

    public static string RecordForUser(Guid recordId, string userId) => $"record:{recordId}:user:{userId}";

    /// <summary>Every connection of one person: their inbox.</summary>
    public static string User(string userId) => $"user:{userId}";

    public static string Investigation(Guid investigationId) => $"investigation:{investigationId}";

    public static string InvestigationForOutlet(Guid investigationId, string outletId) => $"investigation:{investigationId}:outlet:{outletId}";

    public static string InvestigationForUser(Guid investigationId, string userId) => $"investigation:{investigationId}:user:{userId}";

    /// <summary>The three groups a connection of <paramref name="outletId"/>'s <paramref name="userId"/> joins for a record.</summary>
    public static string[] OfRecord(Guid recordId, string outletId, string userId) =>
        [Record(recordId), RecordForOutlet(recordId, outletId), RecordForUser(recordId, userId)];

    /// <summary>Every connection that joined a dataset: its import progress.</summary>
    public static string Dataset(Guid datasetId) => $"dataset:{datasetId}";

    /// <summary>The three groups a connection of <paramref name="outletId"/>'s <paramref name="userId"/> joins to follow an investigation.</summary>
    public static string[] OfInvestigation(Guid investigationId, string outletId, string userId) =>
        [Investigation(investigationId), InvestigationForOutlet(investigationId, outletId), InvestigationForUser(investigationId, userId)];
}
