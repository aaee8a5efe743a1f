using System.Text.Json;
using Consortium.Client;
using Consortium.Server.Identity;

namespace Consortium.Server.Access;

/// <summary>
/// Who may read an annotation, as far as the annotation itself decides (its record's dataset and restriction decide
/// the rest, in <see cref="AccessPolicy"/>): the one rule. <c>Annotations.Annotation</c> delegates to it, other rooms
/// and areas use it over what they read of the stored annotation (<see cref="FromStored"/>,
/// <see cref="StoredAnnotationAccess"/>); <c>Annotations.AnnotationSql</c> is the same rule in SQL and must stay in step.
/// </summary>
/// <param name="Visibility">Who the author shared it with.</param>
/// <param name="OutletId">The author's outlet.</param>
/// <param name="Author">The author's user id.</param>
/// <param name="SharedWithOutletIds">The partner outlets of a <see cref="Visibility.Partners"/> annotation.</param>
public sealed record AnnotationVisibility(Visibility Visibility, string OutletId, string Author, IReadOnlyList<string>? SharedWithOutletIds)
{
    public bool Admits(ConsortiumUser user) => Visibility switch
    {
        Visibility.Consortium => true,
        Visibility.Outlet => OutletId == user.OutletId,
        Visibility.Partners => OutletId == user.OutletId || (SharedWithOutletIds?.Contains(user.OutletId) ?? false),
        Visibility.Private => Author == user.UserId,
        _ => false,
    };

    /// <summary>The outlets whose members may read it (given they see the record); null for consortium-wide, empty for private.</summary>
    public IReadOnlyList<string>? EntitledOutlets() => Visibility switch
    {
        Visibility.Consortium => null,
        Visibility.Outlet => [OutletId],
        Visibility.Partners => [OutletId, .. SharedWithOutletIds ?? []],
        _ => [],
    };

    /// <summary>
    /// The rule's inputs from an annotation document as Marten stores it (camelCase JSON, enums as strings), for code
    /// that reads annotations without the Annotations area's type; null when they are missing, which reads as "nobody".
    /// </summary>
    public static AnnotationVisibility? FromStored(JsonElement annotation)
    {
        if (annotation.ValueKind != JsonValueKind.Object
            || !annotation.TryGetProperty("visibility", out var visibility) || visibility.ValueKind != JsonValueKind.String
            || Parse(visibility.GetString()) is not { } parsed
            || !annotation.TryGetProperty("outletId", out var outlet) || outlet.ValueKind != JsonValueKind.String
            || !annotation.TryGetProperty("author", out var author) || author.ValueKind != JsonValueKind.String)
        {
            return null;
        }
        var shared = annotation.TryGetProperty("sharedWithOutletIds", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Where(o => o.ValueKind == JsonValueKind.String).Select(o => o.GetString()!).ToList()
            : null;
        return new(parsed, outlet.GetString()!, author.GetString()!, shared);
    }

    // By name only: Enum.TryParse would also take numbers and comma lists.
    private static Visibility? Parse(string? name) =>
        Enum.GetValues<Visibility>().Where(v => string.Equals(v.ToString(), name, StringComparison.OrdinalIgnoreCase)).Select(v => (Visibility?)v).FirstOrDefault();
}
