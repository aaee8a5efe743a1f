using Consortium.Client;

namespace Consortium.Server.LiveUpdates;

/// <summary>
/// SignalR group names. A connection that may see a record joins three groups for it: the record's own
/// (consortium-wide annotations), the record's group for its outlet, and the record's group for its user.
/// A push goes to exactly the one group entitled to it, so visibility never depends on a client filtering.
/// </summary>
public static class LiveGroups
{
    public static string Record(Guid recordId) => $"record:{recordId}";

    public static string RecordForOutlet(Guid recordId, string outletId) => $"record:{recordId}:outlet:{outletId}";

    public static string RecordForUser(Guid recordId, string userId) => $"record:{recordId}:user:{userId}";

    public static string For(Guid recordId, Visibility visibility, string outletId, string userId) => visibility switch
    {
        Visibility.Consortium => Record(recordId),
        Visibility.Outlet => RecordForOutlet(recordId, outletId),
        _ => RecordForUser(recordId, userId),
    };
}
