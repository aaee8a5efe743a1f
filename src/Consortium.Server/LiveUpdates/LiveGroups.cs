using Consortium.Client;
using Consortium.Server.Annotations;

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

    /// <summary>The three groups a connection of <paramref name="outletId"/>'s <paramref name="userId"/> joins to follow an investigation.</summary>
    public static string[] OfInvestigation(Guid investigationId, string outletId, string userId) =>
        [Investigation(investigationId), InvestigationForOutlet(investigationId, outletId), InvestigationForUser(investigationId, userId)];

    /// <summary>The record-level group of a consortium-wide, outlet-only or private annotation.</summary>
    public static string For(Guid recordId, Visibility visibility, string outletId, string userId) => visibility switch
    {
        Visibility.Consortium => Record(recordId),
        Visibility.Outlet => RecordForOutlet(recordId, outletId),
        _ => RecordForUser(recordId, userId),
    };

    /// <summary>The record's groups whose members may read <paramref name="annotation"/> (they all may see the record: joining checked it).</summary>
    public static List<string> OnRecord(Annotation annotation) => annotation.EntitledOutlets() switch
    {
        null => [Record(annotation.RecordId)],
        [] => [RecordForUser(annotation.RecordId, annotation.Author)],
        var outlets => outlets.Select(o => RecordForOutlet(annotation.RecordId, o)).ToList(),
    };

    /// <summary>
    /// Every group entitled to <paramref name="annotation"/>: its record's, and its investigation's narrowed to the
    /// outlets that may see the record (<paramref name="datasetOutlets"/> and <paramref name="recordOutlets"/>, null
    /// meaning no narrowing) and may read the annotation.
    /// </summary>
    public static IReadOnlyList<string> EntitledTo(Annotation annotation, IReadOnlyList<string>? datasetOutlets, IReadOnlyList<string>? recordOutlets)
    {
        var mayRead = annotation.EntitledOutlets();
        IEnumerable<string>? outlets = mayRead;
        foreach (var narrowing in new[] { datasetOutlets, recordOutlets })
        {
            if (narrowing is not null)
            {
                outlets = outlets is null ? narrowing : outlets.Intersect(narrowing);
            }
        }
        if (mayRead is [])
        {
            var authorMaySee = (datasetOutlets?.Contains(annotation.OutletId) ?? true) && (recordOutlets?.Contains(annotation.OutletId) ?? true);
            return authorMaySee
                ? [RecordForUser(annotation.RecordId, annotation.Author), InvestigationForUser(annotation.InvestigationId, annotation.Author)]
                : [];
        }
        if (outlets is null)
        {
            return [Record(annotation.RecordId), Investigation(annotation.InvestigationId)];
        }
        // Narrowed by outlet even on the record's own groups: a connection that joined before a compartment or a
        // restriction narrowed the record (and was not closed yet) gets nothing it may no longer read.
        var entitled = outlets.Distinct().ToList();
        return [.. entitled.Select(o => RecordForOutlet(annotation.RecordId, o)), .. entitled.Select(o => InvestigationForOutlet(annotation.InvestigationId, o))];
    }
}
