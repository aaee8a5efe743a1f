using Consortium.Client;

namespace Consortium.Server.Publication;

/// <summary>
/// Upper bounds on what a desk write may carry: beyond them a request is an attack on storage, on every participant's
/// inbox and page, or on date arithmetic, never a journalist's need. Each check answers 400 naming the field, or null.
/// </summary>
public static class PublicationLimits
{
    public const int MaxText = 2_000;
    public const int MaxShortText = 300;
    public const int MaxResponseText = 20_000;
    public const int MaxMaterialItems = 200;
    public const int MaxLettersPerStory = 100;

    /// <summary>A letter may be planned up to a year ahead (the desk schedules letters with the embargo), not further.</summary>
    public static readonly TimeSpan SentAheadAllowance = TimeSpan.FromDays(366);

    public static IResult? Text(string field, string? value, int max = MaxText) =>
        value is { Length: var length } && length > max ? PlanPublication.Invalid(field, $"At most {max} characters (this has {length}).") : null;

    public static IResult? Date(string field, DateTimeOffset? value) =>
        EmbargoTimes.InRange(value) ? null : PlanPublication.Invalid(field, $"Give a date between the years {EmbargoTimes.MinYear} and {EmbargoTimes.MaxYear}.");

    public static IResult? Material(StoryMaterial? material) =>
        material is null ? null
        : (material.RecordIds?.Count ?? 0) > MaxMaterialItems ? TooMany("material.recordIds")
        : (material.AnnotationIds?.Count ?? 0) > MaxMaterialItems ? TooMany("material.annotationIds")
        : (material.EvidenceSha256?.Count ?? 0) > MaxMaterialItems ? TooMany("material.evidenceSha256")
        : material.EvidenceSha256?.FirstOrDefault(h => h is null || h.Length > 128) is { } _ ? PlanPublication.Invalid("material.evidenceSha256", "Each entry is a SHA-256 in hex.")
        : null;

    /// <summary>The first refusal among the checks, or null when all pass.</summary>
    public static IResult? First(params IResult?[] checks) => checks.FirstOrDefault(c => c is not null);

    private static IResult TooMany(string field) => PlanPublication.Invalid(field, $"At most {MaxMaterialItems} items.");
}
