using Consortium.Client;
using Consortium.Server.Identity;

namespace Consortium.Server.Access;

/// <summary>
/// One consortium project. <see cref="MemberOutletIds"/> are the newsrooms taking part; <see cref="Members"/> are the
/// people, each with a role and possibly an expiry. A person sees the investigation only through a current membership
/// (and only while their outlet takes part); an outlet's sync client reads what its outlet takes part in.
/// </summary>
public sealed record Investigation(
    Guid Id,
    string Name,
    string Description,
    string CoordinatorOutletId,
    IReadOnlyList<string> MemberOutletIds,
    DateTimeOffset CreatedAt,
    IReadOnlyList<Membership>? Members = null)
{
    public IReadOnlyList<Membership> People => Members ?? [];

    public bool HasMember(string outletId) => MemberOutletIds.Contains(outletId);

    /// <summary>The caller's current role, or null when they are not (or no longer) a member.</summary>
    public InvestigationRole? RoleOf(ConsortiumUser user, DateTimeOffset now)
    {
        if (!HasMember(user.OutletId))
        {
            return null;
        }
        if (user.IsSyncClient)
        {
            return InvestigationRole.ReadOnly;
        }
        var membership = People.FirstOrDefault(m => m.UserId == user.UserId);
        return membership is not null && membership.IsCurrent(now) ? membership.Role : null;
    }

    public InvestigationView ToView(int datasetCount, InvestigationRole? callerRole) => new(Id, Name, Description, CoordinatorOutletId, MemberOutletIds, datasetCount, callerRole);
}

/// <summary>A person's membership. Time-limited ones end by themselves at <see cref="ExpiresAt"/>.</summary>
public sealed record Membership(string UserId, string DisplayName, string OutletId, InvestigationRole Role, DateTimeOffset AddedAt, DateTimeOffset? ExpiresAt)
{
    public bool IsCurrent(DateTimeOffset now) => ExpiresAt is null || ExpiresAt > now;

    public MemberView ToView() => new(UserId, DisplayName, OutletId, Role, AddedAt, ExpiresAt);
}

/// <summary>What each role may do. Reading is every role's; the rest is listed here and nowhere else.</summary>
public static class Permissions
{
    public static bool CanAnnotate(InvestigationRole role) => role is not InvestigationRole.ReadOnly;

    /// <summary>Forensic steps of a verification: analysts, and coordinators who answer for the investigation.</summary>
    public static bool CanVerify(InvestigationRole role) => role is InvestigationRole.Analyst or InvestigationRole.Coordinator;

    public static bool CanManageData(InvestigationRole role) => role is InvestigationRole.Coordinator or InvestigationRole.Editor;

    public static bool CanCoordinate(InvestigationRole role) => role is InvestigationRole.Coordinator;
}
