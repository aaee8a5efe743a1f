using System.Text;
using System.Text.Json;
using Consortium.Client;
using Consortium.Server.Audit;
using Consortium.Server.Hosting;
using Consortium.Server.Identity;
using Consortium.Server.Investigations;
using Consortium.Server.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using NpgsqlTypes;

namespace Consortium.Server.Records;

/// <summary>
/// Search over one dataset's records: full text over every value (PostgreSQL text search, accents and case ignored),
/// partial phone digits (trigram index), country; results in row order with a keyset cursor, each saying why it
/// matched, with counts per country. Records restricted away from the caller are neither listed nor counted.
/// </summary>
public static class SearchRecords
{
    private const int MaxPageSize = 500;
    private const int MaxQueryLength = 500;
    // Marks that ts_headline puts around matches; taken out again and turned into spans, so clients get plain text.
    private const char StartMark = '\uE000';
    private const char StopMark = '\uE001';
    private static readonly string HeadlineOptions = $"StartSel=\"{StartMark}\", StopSel=\"{StopMark}\", MaxWords=20, MinWords=8, MaxFragments=2, FragmentDelimiter=\" … \"";

    public static RouteGroupBuilder MapRecordSearch(this RouteGroupBuilder group)
    {
        group.MapGet("/datasets/{id:guid}/search", Search);
        return group;
    }

    private static async Task<Results<Ok<SearchPage>, NotFound<ProblemDetails>, BadRequest<ProblemDetails>>> Search(
        Guid id, HttpContext http, AccessPolicy access, StorageSettings storage, AuditLog audit, CancellationToken cancellationToken,
        string? q = null, string? phone = null, string? country = null, long after = 0, int limit = 100)
    {
        if (limit is < 1 or > MaxPageSize)
        {
            return Problems.BadRequest("Invalid page size", $"limit must be between 1 and {MaxPageSize}.");
        }
        if (after < 0)
        {
            return Problems.BadRequest("Invalid cursor", "after is a row number, 0 or more.");
        }
        q = string.IsNullOrWhiteSpace(q) ? null : q.Trim();
        if (q is { Length: > MaxQueryLength })
        {
            return Problems.BadRequest("Invalid search", $"q is limited to {MaxQueryLength} characters.");
        }
        string? digits = null;
        if (!string.IsNullOrWhiteSpace(phone))
        {
            digits = SearchDigits(phone);
            if (digits.Length < 3)
            {
                return Problems.BadRequest("Invalid phone search", "Search by at least three digits of a phone number.");
            }
        }
        country = string.IsNullOrWhiteSpace(country) ? null : country.Trim().ToUpperInvariant();
        if (country is not null && (country.Length != 2 || !country.All(char.IsAsciiLetterUpper)))
        {
            return Problems.BadRequest("Invalid country", "country is a two-letter ISO 3166 code, such as GB.");
        }

        var user = ConsortiumUser.From(http.User);
        if (await access.DatasetAsync(user, id, cancellationToken) is not { } visible)
        {
            return Problems.NotFound("dataset");
        }
        var hidden = await access.HiddenRecordIdsAsync(user, id, cancellationToken);
        var sql = new RecordSearchSql(storage.Schema);

        await using var connection = new NpgsqlConnection(storage.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        if (q is not null && !await HasSearchableWordsAsync(connection, sql, q, cancellationToken))
        {
            return Problems.BadRequest("Invalid search", "q holds no word to search for.");
        }

        var page = await PageAsync(connection, sql, id, hidden, q, digits, country, after, limit, cancellationToken);
        var countries = await CountriesAsync(connection, sql, id, hidden, q, digits, cancellationToken);
        var highlights = q is null ? [] : await TextHighlightsAsync(connection, sql, page.Select(r => r.Id).ToArray(), q, cancellationToken);
        var items = page.Take(limit).Select(r => new SearchResult(r, [.. highlights.GetValueOrDefault(r.Id, []), .. PhoneHighlight(r, digits)])).ToList();
        var total = country is null ? countries.Sum(c => c.Count) : countries.FirstOrDefault(c => c.Value == country)?.Count ?? 0;

        await audit.RecordAsync(http, new AuditSubject(AuditActions.RecordsSearched, visible.Investigation.Id, AuditTargets.Dataset, id.ToString(),
            Describe(q, phone, country, after, total)), cancellationToken);
        return TypedResults.Ok(new SearchPage(items, countries, total, page.Count > limit ? items[^1].Record.RowNumber : null));
    }

    /// <summary>
    /// The digits of a phone search, without a leading international prefix (00) or national trunk prefix (0), which
    /// E.164 numbers do not hold: "0044 7700 900123" and "07700 900123" then find +447700900123. Dropping leading
    /// digits only widens a substring search, so nothing that should match is lost.
    /// </summary>
    internal static string SearchDigits(string phone)
    {
        var digits = PhoneNumbers.DigitsOf(phone);
        return digits.StartsWith("00", StringComparison.Ordinal) ? digits[2..] : digits.StartsWith('0') ? digits[1..] : digits;
    }

    private static async Task<bool> HasSearchableWordsAsync(NpgsqlConnection connection, RecordSearchSql sql, string q, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"select numnode({sql.Query("$1")}) > 0", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = q });
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    /// <summary>The filters shared by the page and the counts; every value is a parameter, only fixed SQL is joined.</summary>
    private static (string Where, List<NpgsqlParameter> Parameters) Filters(RecordSearchSql sql, Guid datasetId, Guid[] hidden, string? q, string? digits, string? country)
    {
        var parameters = new List<NpgsqlParameter>
        {
            new() { Value = datasetId },
            new() { Value = hidden, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
        };
        var where = new StringBuilder("d.dataset_id = $1 and d.id <> all($2)");
        if (q is not null)
        {
            parameters.Add(new() { Value = q });
            where.Append($" and {sql.DocumentVector("d.data")} @@ {sql.Query($"${parameters.Count}")}");
        }
        if (digits is not null)
        {
            // Digits only, so nothing in them is a LIKE wildcard.
            parameters.Add(new() { Value = $"%{digits}%" });
            where.Append($" and d.phone_digits like ${parameters.Count}");
        }
        if (country is not null)
        {
            parameters.Add(new() { Value = country });
            where.Append($" and d.data ->> 'country' = ${parameters.Count}");
        }
        return (where.ToString(), parameters);
    }

    /// <summary>Up to <paramref name="limit"/> + 1 matches after the cursor: the extra one says whether a next page exists.</summary>
    private static async Task<List<RecordView>> PageAsync(
        NpgsqlConnection connection, RecordSearchSql sql, Guid datasetId, Guid[] hidden, string? q, string? digits, string? country, long after, int limit, CancellationToken cancellationToken)
    {
        var (where, parameters) = Filters(sql, datasetId, hidden, q, digits, country);
        parameters.Add(new() { Value = after });
        parameters.Add(new() { Value = limit + 1 });
        await using var command = new NpgsqlCommand(
            $"""
            select d.id, d.row_number, d.data -> 'values', d.data ->> 'phoneE164', d.data ->> 'country'
            from {sql.Table} d
            where {where} and d.row_number > ${parameters.Count - 1}
            order by d.row_number
            limit ${parameters.Count}
            """, connection);
        command.Parameters.AddRange(parameters.ToArray());
        var rows = new List<RecordView>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var values = JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(2))!;
            rows.Add(new RecordView(reader.GetGuid(0), datasetId, reader.GetInt64(1), values,
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
        }
        return rows;
    }

    /// <summary>Matches per country for the search without its country filter, so a facet list can offer the others.</summary>
    private static async Task<List<FacetCount>> CountriesAsync(
        NpgsqlConnection connection, RecordSearchSql sql, Guid datasetId, Guid[] hidden, string? q, string? digits, CancellationToken cancellationToken)
    {
        var (where, parameters) = Filters(sql, datasetId, hidden, q, digits, country: null);
        await using var command = new NpgsqlCommand(
            $"""
            select d.data ->> 'country', count(*)
            from {sql.Table} d
            where {where}
            group by 1
            order by 2 desc, 1 nulls last
            """, connection);
        command.Parameters.AddRange(parameters.ToArray());
        var counts = new List<FacetCount>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            counts.Add(new FacetCount(reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetInt64(1)));
        }
        return counts;
    }

    /// <summary>
    /// The values of the page's records where words of the query occur, as ts_headline fragments. Each value is
    /// headlined on its own (a query's words may sit in different columns), and only those with a match are kept.
    /// </summary>
    private static async Task<Dictionary<Guid, List<SearchHighlight>>> TextHighlightsAsync(
        NpgsqlConnection connection, RecordSearchSql sql, Guid[] ids, string q, CancellationToken cancellationToken)
    {
        var highlights = new Dictionary<Guid, List<SearchHighlight>>();
        if (ids.Length == 0)
        {
            return highlights;
        }
        await using var command = new NpgsqlCommand(
            $"""
            select h.id, h.key, h.headline
            from (
              select d.id, d.row_number, e.key, e.ordinal,
                     ts_headline('{sql.ConfigurationName}'::regconfig, e.value, {sql.Query("$2")}, $3) as headline
              from {sql.Table} d
              cross join lateral jsonb_each_text(d.data -> 'values') with ordinality e(key, value, ordinal)
              where d.id = any($1)
            ) h
            where strpos(h.headline, $4) > 0
            order by h.row_number, h.ordinal
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = q });
        command.Parameters.Add(new NpgsqlParameter { Value = HeadlineOptions });
        command.Parameters.Add(new NpgsqlParameter { Value = StartMark.ToString() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = reader.GetGuid(0);
            if (!highlights.TryGetValue(id, out var list))
            {
                highlights[id] = list = [];
            }
            list.Add(Spans(reader.GetString(1), reader.GetString(2)));
        }
        return highlights;
    }

    /// <summary>Takes the marks out of a headline and records where they were.</summary>
    internal static SearchHighlight Spans(string field, string marked)
    {
        var text = new StringBuilder(marked.Length);
        var spans = new List<HighlightSpan>();
        var start = -1;
        foreach (var c in marked)
        {
            if (c == StartMark)
            {
                start = text.Length;
            }
            else if (c == StopMark && start >= 0)
            {
                spans.Add(new HighlightSpan(start, text.Length - start));
                start = -1;
            }
            else if (c != StopMark)
            {
                text.Append(c);
            }
        }
        return new SearchHighlight(field, text.ToString(), spans);
    }

    /// <summary>The number in E.164 with the searched digits marked (the first place they occur).</summary>
    private static IEnumerable<SearchHighlight> PhoneHighlight(RecordView record, string? digits)
    {
        if (digits is null || record.PhoneE164 is not { } e164)
        {
            yield break;
        }
        var at = e164.IndexOf(digits, StringComparison.Ordinal);
        if (at >= 0)
        {
            yield return new SearchHighlight("phone", e164, [new HighlightSpan(at, digits.Length)]);
        }
    }

    private static string Describe(string? q, string? phone, string? country, long after, long total)
    {
        var parts = new List<string>();
        if (q is not null)
        {
            parts.Add($"q={q}");
        }
        if (phone is not null)
        {
            parts.Add($"phone={phone}");
        }
        if (country is not null)
        {
            parts.Add($"country={country}");
        }
        parts.Add($"after row {after}; {total} matches");
        return string.Join("; ", parts);
    }
}
