using System.Text.Json.Serialization;

namespace Consortium.Client;

/// <summary>A consortium project, as a member outlet sees it.</summary>
public sealed record InvestigationView(Guid Id, string Name, string Description, string CoordinatorOutletId, IReadOnlyList<string> MemberOutletIds, int DatasetCount, InvestigationRole? MyRole = null);

/// <summary>Request to open a new investigation; the caller's outlet coordinates it.</summary>
public sealed record NewInvestigation(string Name, string Description, IReadOnlyList<string> MemberOutletIds);

/// <summary>What a member may do in an investigation.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<InvestigationRole>))]
public enum InvestigationRole
{
    /// <summary>Runs the investigation: members, compartments, restrictions, audit; and everything an editor does.</summary>
    [JsonStringEnumMemberName("coordinator")] Coordinator,

    /// <summary>Creates datasets and imports records; annotates.</summary>
    [JsonStringEnumMemberName("editor")] Editor,

    /// <summary>Reads and annotates.</summary>
    [JsonStringEnumMemberName("reporter")] Reporter,

    /// <summary>Forensic analyst: reads and annotates (verifications).</summary>
    [JsonStringEnumMemberName("analyst")] Analyst,

    /// <summary>Reads only.</summary>
    [JsonStringEnumMemberName("read-only")] ReadOnly,
}

/// <summary>A person's membership of an investigation. <see cref="ExpiresAt"/> ends it by itself.</summary>
public sealed record MemberView(string UserId, string DisplayName, string OutletId, InvestigationRole Role, DateTimeOffset AddedAt, DateTimeOffset? ExpiresAt);

/// <summary>Request to add a person (by their account's email) to an investigation, optionally until a given time.</summary>
public sealed record NewMember(string Email, InvestigationRole Role, DateTimeOffset? ExpiresAt = null);

/// <summary>Request to change a member's role or expiry.</summary>
public sealed record MemberChange(InvestigationRole Role, DateTimeOffset? ExpiresAt = null);
