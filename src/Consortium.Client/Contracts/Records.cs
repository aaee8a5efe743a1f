using System.Text.Json.Serialization;

namespace Consortium.Client;

/// <summary>A body of leaked material. <see cref="SharedWithOutletIds"/> null means every member outlet.</summary>
public sealed record DatasetView(Guid Id, Guid InvestigationId, string Name, string Description, long RecordCount, IReadOnlyList<string> Columns, IReadOnlyList<string>? SharedWithOutletIds, IReadOnlyList<DatasetColumn>? Schema = null);

/// <summary>Request to add a dataset to an investigation, optionally restricted to a compartment of member outlets.</summary>
public sealed record NewDataset(string Name, string Description, IReadOnlyList<string>? SharedWithOutletIds = null, IReadOnlyList<DatasetColumn>? Schema = null);

/// <summary>
/// A declared column of a dataset and its <see cref="ColumnKinds">kind</see>, which says how it is normalised (phone
/// numbers to E.164, countries to ISO codes, the first date column to the record's date); originals are always kept.
/// </summary>
public sealed record DatasetColumn(string Name, string Kind);

/// <summary>Kinds of dataset columns.</summary>
public static class ColumnKinds
{
    /// <summary>A phone number: normalised to E.164 (the first such column), searchable by any run of digits.</summary>
    public const string Phone = "phone";

    /// <summary>A person's name: searched as text.</summary>
    public const string Person = "person";

    /// <summary>An organisation's name: searched as text.</summary>
    public const string Organisation = "organisation";

    /// <summary>A country, as a code or an English name: normalised to ISO 3166 alpha-2 (the record's country).</summary>
    public const string Country = "country";

    /// <summary>A date: the first such column, read as a date, becomes the record's date (yyyy-MM-dd).</summary>
    public const string Date = "date";

    /// <summary>Other text: searched as text.</summary>
    public const string Text = "text";

    /// <summary>Kept as it is (still searched as text).</summary>
    public const string Free = "free";

    /// <summary>Every kind.</summary>
    public static readonly IReadOnlyList<string> All = [Phone, Person, Organisation, Country, Date, Text, Free];
}

/// <summary>One row of a dataset: the values as imported and, where a phone column exists, the number in E.164; <see cref="Date"/> is the record's date (yyyy-MM-dd) when the dataset has a date column.</summary>
public sealed record RecordView(Guid Id, Guid DatasetId, long RowNumber, IReadOnlyDictionary<string, string> Values, string? PhoneE164, string? Country, string? Date = null);

/// <summary>Someone of the caller's own outlet who read a record recently; <see cref="LastViewedAt"/> is UTC.</summary>
public sealed record RecentViewerView(string UserId, string DisplayName, DateTimeOffset LastViewedAt);

/// <summary>A page of records; pass <see cref="Next"/> as <c>after</c> to get the next one (null at the end).</summary>
public sealed record RecordPage(IReadOnlyList<RecordView> Items, long? Next);

/// <summary>
/// A page of search results in the order asked for. <see cref="Total"/> is the number of matches of the whole search
/// and <see cref="Facets"/> the counts beside it; both are left out (null) when the request said <c>facets=false</c>,
/// as a client paging on through the same search does. Pass <see cref="Next"/>, an opaque cursor, as <c>after</c> to
/// get the next page with the same parameters (null at the end). <see cref="TotalIsLowerBound"/>: the search matches at
/// least <see cref="Total"/> records, possibly more (counting stops at a threshold, so a search matching a large part of
/// a dataset answers as fast as a narrow one); show it as "more than" or "at least", never as the exact number.
/// </summary>
public sealed record SearchPage(IReadOnlyList<SearchResult> Items, long? Total, string? Next, SearchFacets? Facets, bool TotalIsLowerBound = false)
{
    /// <summary>Matches per country (empty when facets were not asked for).</summary>
    [JsonIgnore]
    public IReadOnlyList<FacetCount> Countries => Facets?.Countries ?? [];
}

/// <summary>
/// Counts of matching records per value. Each facet counts the search without its own filter (so the other values
/// stay selectable) and with every other filter; records and annotations the caller may not see are never counted.
/// <see cref="Countries"/>: a null value counts records without a country. <see cref="Datasets"/>: dataset ids.
/// <see cref="VerificationStates"/>: each record's latest visible verdict; null counts records without one.
/// <see cref="Tags"/>: records with a visible annotation carrying the tag. <see cref="Annotated"/>: "yes" and "no".
/// </summary>
public sealed record SearchFacets(
    IReadOnlyList<FacetCount> Countries,
    IReadOnlyList<FacetCount> Datasets,
    IReadOnlyList<FacetCount> VerificationStates,
    IReadOnlyList<FacetCount> Tags,
    IReadOnlyList<FacetCount> Annotated);

/// <summary>
/// What a search asks for; every field is optional. <see cref="Q"/>: full text (websearch syntax: words, "a phrase",
/// -not, or); <see cref="Phone"/>: any run of a number's digits; <see cref="Country"/>: ISO 3166 code;
/// <see cref="Dataset"/>: one dataset (investigation-wide search only); <see cref="Verification"/>,
/// <see cref="Tag"/>, <see cref="Annotated"/>: from the annotations the caller can see; <see cref="From"/> and
/// <see cref="To"/>: the record's date, inclusive, yyyy-MM-dd; <see cref="Sort"/>: row (default), date or country;
/// <see cref="Descending"/>: reverse order.
/// </summary>
public sealed record SearchQuery(
    string? Q = null,
    string? Phone = null,
    string? Country = null,
    Guid? Dataset = null,
    string? Verification = null,
    string? Tag = null,
    bool? Annotated = null,
    DateOnly? From = null,
    DateOnly? To = null,
    string? Sort = null,
    bool Descending = false);

/// <summary>A record that matched, and why: each highlight is a value (a column, or "phone" for the normalised number) with the matched parts.</summary>
public sealed record SearchResult(RecordView Record, IReadOnlyList<SearchHighlight> Highlights);

/// <summary>
/// Plain text (a value, or a fragment of a long one) from <see cref="Field"/>, with the spans that matched; render it
/// as text and mark the spans, never as HTML.
/// </summary>
public sealed record SearchHighlight(string Field, string Text, IReadOnlyList<HighlightSpan> Matches);

/// <summary>A matched part of a highlight's text: <see cref="Start"/> and <see cref="Length"/> in UTF-16 code units.</summary>
public sealed record HighlightSpan(int Start, int Length);

/// <summary>
/// How many matching records have this value; a null <see cref="Value"/> counts records without one. With
/// <see cref="AtLeast"/>, the count is a lower bound: counting stopped at the search's threshold (see
/// <see cref="SearchPage.TotalIsLowerBound"/>), and at least this many records have the value.
/// </summary>
public sealed record FacetCount(string? Value, long Count, bool AtLeast = false);

/// <summary>Which member outlets may see a dataset (null: all of them) or a single record (null: no restriction beyond its dataset's).</summary>
public sealed record OutletRestriction(IReadOnlyList<string>? OutletIds);
