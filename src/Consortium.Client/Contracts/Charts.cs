namespace Consortium.Client;

/// <summary>
/// The pictures of a search (the world map, the timeline and the verification funnel), counted on the server from the
/// same filters, scope and visibility as the search's facets. Each picture, like a facet, leaves out its own filter:
/// <see cref="Countries"/> is the country facet (the chosen country is one among the others), <see cref="Verification"/>
/// the verdict facet in the order of the verification states; <see cref="Months"/> applies every filter.
/// </summary>
/// <param name="Total">Matches of the whole search (as <see cref="SearchPage.Total"/>).</param>
/// <param name="TotalIsLowerBound">Counting stopped at the search's threshold: counts marked <c>AtLeast</c> are lower bounds.</param>
/// <param name="Countries">Selected numbers per ISO 3166 alpha-2 country; null value: no country known.</param>
/// <param name="Months">Selections per month (yyyy-MM) of the record's date, oldest first; months without any are left out.</param>
/// <param name="Undated">Matches without a date (a dataset with no date column, or a date that could not be read).</param>
/// <param name="DatasetsWithoutDate">The datasets searched that have no date column: their records are never on the timeline.</param>
/// <param name="Verification">Records per latest visible verification state, every state in order (zeros included), then null: no verdict.</param>
public sealed record RecordCharts(
    long Total,
    bool TotalIsLowerBound,
    IReadOnlyList<FacetCount> Countries,
    IReadOnlyList<MonthCount> Months,
    long Undated,
    IReadOnlyList<Guid> DatasetsWithoutDate,
    IReadOnlyList<FacetCount> Verification);

/// <summary>Records whose date falls in <see cref="Month"/> (yyyy-MM); <see cref="AtLeast"/> as in <see cref="FacetCount"/>.</summary>
public sealed record MonthCount(string Month, long Count, bool AtLeast = false);
