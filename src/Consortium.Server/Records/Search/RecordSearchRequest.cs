using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Consortium.Server.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Consortium.Server.Records;

/// <summary>The query string of a record search, as sent; <see cref="RecordSearchRequest.Parse"/> checks it.</summary>
public sealed class SearchParameters
{
    [FromQuery] public string? Q { get; init; }
    [FromQuery] public string? Phone { get; init; }
    [FromQuery] public string? Country { get; init; }
    [FromQuery] public string? Dataset { get; init; }
    [FromQuery] public string? Verification { get; init; }
    [FromQuery] public string? Tag { get; init; }
    [FromQuery] public string? Annotated { get; init; }
    [FromQuery] public string? From { get; init; }
    [FromQuery] public string? To { get; init; }
    [FromQuery] public string? Sort { get; init; }
    [FromQuery] public string? Order { get; init; }
    [FromQuery] public string? After { get; init; }
    [FromQuery] public string? Limit { get; init; }
    [FromQuery] public string? Facets { get; init; }
}

/// <summary>The orders a search can return its results in; each ends with (dataset, row number), which is unique.</summary>
public enum SearchSort
{
    Row,
    Date,
    Country,
}

/// <summary>
/// Where a page ended, for the next one: the last result's sort key, dataset and row number, with the sort it belongs
/// to. Clients see it as opaque base64url text; a cursor of another sort or order is refused.
/// </summary>
internal sealed record SearchCursor(
    [property: JsonPropertyName("s")] string Sort,
    [property: JsonPropertyName("o")] string Order,
    [property: JsonPropertyName("k")] string? Key,
    [property: JsonPropertyName("d")] Guid DatasetId,
    [property: JsonPropertyName("r")] long RowNumber)
{
    public string Encode() => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(this));

    public static SearchCursor? Decode(string text)
    {
        try
        {
            return JsonSerializer.Deserialize<SearchCursor>(Base64Url.DecodeFromChars(text));
        }
        catch (Exception e) when (e is FormatException or JsonException or ArgumentException)
        {
            return null;
        }
    }
}

/// <summary>A checked search: every value has its type and range, so the SQL only has to place parameters.</summary>
internal sealed record RecordSearchRequest(
    string? Q,
    string? Phone,
    string? Digits,
    string? Country,
    Guid? Dataset,
    string? Verification,
    string? Tag,
    bool? Annotated,
    string? From,
    string? To,
    SearchSort Sort,
    bool Descending,
    SearchCursor? After,
    int Limit,
    bool WithFacets)
{
    public const int MaxPageSize = 500;
    public const int MaxQueryLength = 500;
    private const int MaxLabelLength = 100;

    public string SortName => Sort.ToString().ToLowerInvariant();

    public string OrderName => Descending ? "desc" : "asc";

    /// <summary>The request, or the problem with it (400). <paramref name="investigationWide"/> allows the dataset filter.</summary>
    public static (RecordSearchRequest? Request, BadRequest<ProblemDetails>? Problem) Parse(SearchParameters p, bool investigationWide)
    {
        static (RecordSearchRequest?, BadRequest<ProblemDetails>?) Bad(string title, string detail) => (null, Problems.BadRequest(title, detail));

        var limit = 100;
        if (p.Limit is not null && (!int.TryParse(p.Limit, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxPageSize))
        {
            return Bad("Invalid page size", $"limit must be between 1 and {MaxPageSize}.");
        }
        var q = Blank(p.Q) ? null : p.Q!.Trim();
        if (q is { Length: > MaxQueryLength })
        {
            return Bad("Invalid search", $"q is limited to {MaxQueryLength} characters.");
        }
        string? digits = null;
        if (!Blank(p.Phone))
        {
            digits = SearchRecords.SearchDigits(p.Phone!);
            if (digits.Length < 3)
            {
                return Bad("Invalid phone search", "Search by at least three digits of a phone number.");
            }
        }
        var country = Blank(p.Country) ? null : p.Country!.Trim().ToUpperInvariant();
        if (country is not null && (country.Length != 2 || !country.All(char.IsAsciiLetterUpper)))
        {
            return Bad("Invalid country", "country is a two-letter ISO 3166 code, such as GB.");
        }
        Guid? dataset = null;
        if (!Blank(p.Dataset))
        {
            if (!investigationWide)
            {
                return Bad("Invalid filter", "dataset filters an investigation-wide search; this search is of one dataset already.");
            }
            if (!Guid.TryParse(p.Dataset, out var parsed))
            {
                return Bad("Invalid dataset", "dataset is a dataset id.");
            }
            dataset = parsed;
        }
        var verification = Blank(p.Verification) ? null : p.Verification!.Trim();
        var tag = Blank(p.Tag) ? null : p.Tag!.Trim();
        if (verification is { Length: > MaxLabelLength } || tag is { Length: > MaxLabelLength })
        {
            return Bad("Invalid filter", $"verification and tag are limited to {MaxLabelLength} characters.");
        }
        bool? annotated;
        switch (p.Annotated?.Trim().ToLowerInvariant())
        {
            case null or "":
                annotated = null;
                break;
            case "true" or "yes":
                annotated = true;
                break;
            case "false" or "no":
                annotated = false;
                break;
            default:
                return Bad("Invalid filter", "annotated is true or false.");
        }
        string? from = null, to = null;
        foreach (var (name, value) in new[] { ("from", p.From), ("to", p.To) })
        {
            if (Blank(value))
            {
                continue;
            }
            if (!DateOnly.TryParseExact(value!.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                return Bad("Invalid date", $"{name} is a date written yyyy-MM-dd, such as 2021-07-18.");
            }
            var iso = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            if (name == "from")
            {
                from = iso;
            }
            else
            {
                to = iso;
            }
        }
        if (from is not null && to is not null && string.CompareOrdinal(from, to) > 0)
        {
            return Bad("Invalid date range", "from is after to.");
        }
        SearchSort sort;
        switch (p.Sort?.Trim().ToLowerInvariant())
        {
            case null or "" or "row":
                sort = SearchSort.Row;
                break;
            case "date":
                sort = SearchSort.Date;
                break;
            case "country":
                sort = SearchSort.Country;
                break;
            default:
                return Bad("Invalid sort", "sort is row, date or country.");
        }
        var descending = false;
        switch (p.Order?.Trim().ToLowerInvariant())
        {
            case null or "" or "asc":
                break;
            case "desc":
                descending = true;
                break;
            default:
                return Bad("Invalid order", "order is asc or desc.");
        }
        bool withFacets;
        switch (p.Facets?.Trim().ToLowerInvariant())
        {
            case null or "" or "true":
                withFacets = true;
                break;
            case "false":
                withFacets = false;
                break;
            default:
                return Bad("Invalid facets", "facets is true or false.");
        }
        var request = new RecordSearchRequest(q, Blank(p.Phone) ? null : p.Phone!.Trim(), digits, country, dataset, verification, tag, annotated, from, to,
            sort, descending, null, limit, withFacets);
        if (!Blank(p.After))
        {
            var cursor = SearchCursor.Decode(p.After!.Trim());
            if (cursor is null || cursor.Sort != request.SortName || cursor.Order != request.OrderName || (sort != SearchSort.Row && cursor.Key is null))
            {
                return Bad("Invalid cursor", "after is the next value of a page of this same search (same sort and order); start again without it.");
            }
            request = request with { After = cursor };
        }
        return (request, null);
    }

    /// <summary>What the audit entry says of the search: every parameter that was set, and where the page starts.</summary>
    public string Describe(long? total, bool lowerBound = false, bool paged = true)
    {
        var parts = new List<string>();
        void Add(string name, object? value)
        {
            if (value is not null)
            {
                parts.Add($"{name}={value}");
            }
        }
        Add("q", Q);
        Add("phone", Phone);
        Add("country", Country);
        Add("dataset", Dataset);
        Add("verification", Verification);
        Add("tag", Tag);
        Add("annotated", Annotated is { } a ? (a ? "true" : "false") : null);
        Add("from", From);
        Add("to", To);
        if (Sort != SearchSort.Row || Descending)
        {
            parts.Add($"sort={SortName} {OrderName}");
        }
        if (paged)
        {
            parts.Add(After is null ? "first page" : $"next page after row {After.RowNumber}");
        }
        if (total is { } t)
        {
            parts.Add(lowerBound ? $"at least {t} matches" : $"{t} matches");
        }
        return string.Join("; ", parts);
    }

    private static bool Blank(string? value) => string.IsNullOrWhiteSpace(value);
}
