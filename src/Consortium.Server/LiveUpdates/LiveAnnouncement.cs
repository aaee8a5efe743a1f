using Consortium.Client;

namespace Consortium.Server.LiveUpdates;

/// <summary>
/// One message for the connections in any of <paramref name="Audience"/> (group names from <see cref="LiveGroups"/>).
/// <paramref name="Send"/> calls one method of the client; <paramref name="What"/> names it in logs.
/// </summary>
public sealed record LiveAnnouncement(IReadOnlyList<string> Audience, Func<IConsortiumClient, Task> Send, string What);

/// <summary>A committed annotation change and the groups entitled to read it (from <see cref="LiveGroups"/>).</summary>
public sealed record AnnotationAnnouncement(AnnotationPush Push, long Sequence, IReadOnlyList<string> Audience);

/// <summary>Whose connections close: people by user id, and every person of the named outlets.</summary>
public sealed record AccessWithdrawn(IReadOnlyCollection<string> UserIds, IReadOnlyCollection<string> OutletIds)
{
    public static AccessWithdrawn OfUser(string userId) => new([userId], []);

    public static AccessWithdrawn OfOutlets(IReadOnlyCollection<string> outletIds) => new([], outletIds);
}
