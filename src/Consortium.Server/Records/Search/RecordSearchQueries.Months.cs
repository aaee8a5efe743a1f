using Npgsql;
using NpgsqlTypes;

namespace Consortium.Server.Records;

/// <summary>The timeline of a record search: its matches per month of the record's date.</summary>
internal sealed partial class RecordSearchQueries
{
    /// <summary>
    /// Matches of the whole search (every filter applied) per month (yyyy-MM; "" for records without a date), and
    /// whether counting stopped at <see cref="CountLimit"/> (the counts are then lower bounds, like the facets').
    /// </summary>
    /// <remarks>
    /// A search filtering only by country, dataset or date reads the facet summary (counts per dataset, country and
    /// date, which <see cref="FacetsAsync"/> has just brought up to date) and takes the restricted records' share away
    /// again, as the country counts do; any other search counts its matches from the records, up to the same limit as
    /// every other count of the search.
    /// </remarks>
    public async Task<(List<(string Month, long Count)> Months, bool Bounded)> MonthsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var months = new Dictionary<string, long>(StringComparer.Ordinal);
        if (OnlyRecordFilters)
        {
            var p = new Parameters();
            var where = new List<string> { $"s.dataset_id = any({p.Datasets(scope)})" };
            if (request.Dataset is { } dataset)
            {
                where.Add($"s.dataset_id = {p.Add(dataset)}");
            }
            if (request.Country is { } country)
            {
                where.Add($"s.country = {p.Add(country)}");
            }
            if (request.From is { } from)
            {
                where.Add($"s.date >= {p.Add(from)}");
            }
            if (request.To is { } to)
            {
                where.Add($"s.date between {p.Add(request.From ?? "0000-01-01")} and {p.Add(to)}");
            }
            await AddAsync(months, connection,
                $"select left(s.date, 7), sum(s.records)::bigint from {sql.FacetSummary} s where {string.Join(" and ", where)} group by 1", p, 1, cancellationToken);
            if (scope.HiddenRecordIds.Length > 0)
            {
                var unhidden = new RecordSearchQueries(sql, request, scope with { HiddenRecordIds = [] }, countLimit, surelyDenseEstimate);
                var h = new Parameters();
                var hiddenWhere = unhidden.Where(h, SearchFilter.None) + $"\n  and d.id = any({h.Add(scope.HiddenRecordIds, NpgsqlDbType.Array | NpgsqlDbType.Uuid)})";
                await AddAsync(months, connection,
                    $"select left(coalesce(d.date, ''), 7), count(*) from {sql.Table} d where {hiddenWhere} group by 1", h, -1, cancellationToken);
            }
            return (months.Where(m => m.Value > 0).Select(m => (m.Key, m.Value)).ToList(), false);
        }
        var q = new Parameters();
        await AddAsync(months, connection,
            $"""
            select left(m.date, 7), count(*)
            from (select coalesce(d.date, '') as date from {sql.Table} d where {Where(q, SearchFilter.None)} limit {q.Add(CountLimit)}) m
            group by 1
            """, q, 1, cancellationToken);
        return (months.Select(m => (m.Key, m.Value)).ToList(), months.Values.Sum() >= CountLimit);
    }

    private static async Task AddAsync(Dictionary<string, long> months, NpgsqlConnection connection, string text, Parameters p, int sign, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(text, connection);
        command.Parameters.AddRange(p.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var month = reader.GetString(0);
            months[month] = months.GetValueOrDefault(month) + sign * reader.GetInt64(1);
        }
    }
}
