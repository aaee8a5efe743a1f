using System.Text.Json;
using Consortium.Client;
using Consortium.Server.Annotations;
using Npgsql;
using NpgsqlTypes;

namespace Consortium.Server.Records;

/// <summary>The counts of a record search: the total and every facet, exact or bounded (see <see cref="FacetsAsync"/>).</summary>
internal sealed partial class RecordSearchQueries
{
    /// <summary>
    /// Every facet and the total of the whole search; <c>LowerBound</c> when counting stopped at
    /// <see cref="CountLimit"/> and the total and the record counts are "at least".
    /// </summary>
    /// <remarks>
    /// Counting every match of a common word reads every matching record (decision 0013, "Bounded counts"). Counts
    /// from the records therefore stop at <see cref="CountLimit"/> matches: below it every count is exact; above it the total says "at
    /// least", and each country and dataset count is the number among the matches counted, also "at least". The counted
    /// matches are matches of the caller's search with its scope applied, so a lower bound reveals no hidden record any
    /// more than an exact count does. Counts from annotations (tags, verdicts, annotated) are exact whatever the size:
    /// annotations are few beside the records.
    /// </remarks>
    public async Task<(long Total, bool LowerBound, SearchFacets Facets)> FacetsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        // Countries, datasets and the total come from one grouped count without either filter, summed here three ways.
        var (groups, bounded) = OnlyRecordFilters
            ? (await SummaryGroupsAsync(connection, cancellationToken), false)
            : countedGroups ?? await GroupsAsync(connection, cancellationToken);
        var total = groups.Where(g => InScope(g.Dataset, g.Country)).Sum(g => g.Count);
        var lowerBound = false;
        if (bounded)
        {
            if (request.Country is null && request.Dataset is null)
            {
                lowerBound = true; // the total is the groups' sum: every match counted, up to the limit
            }
            else if ((exactTotal ?? (besidePageTotal is { } beside ? await beside : null)) is { } exact)
            {
                total = exact; // the page counted the filtered search exactly on its way
            }
            else
            {
                // With a country or dataset filter the total is counted on its own, to the same limit.
                total = await CountUpToAsync(connection, CountLimit, SearchFilter.None, cancellationToken);
                lowerBound = total >= CountLimit;
            }
        }
        var countries = Ordered(groups.Where(g => request.Dataset is not { } only || only == g.Dataset).GroupBy(g => g.Country).Select(g => new FacetCount(g.Key, g.Sum(x => x.Count), bounded)));
        var datasets = Ordered(groups.Where(g => request.Country is null || request.Country == g.Country).GroupBy(g => g.Dataset).Select(g => new FacetCount(g.Key.ToString(), g.Sum(x => x.Count), bounded)));

        // The annotation facets in one round trip.
        var annotationFacets = await GroupedAsync(connection, cancellationToken,
            p =>
            $"""
            select a.data ->> 'tag', count(distinct a.record_id)
            from {Annotations} a{RecordJoin(p, SearchFilter.Tag, out var condition)}
            where a.dataset_id = any({p.Datasets(scope)}) and a.data ->> 'tag' is not null and {Visible(p)} and {condition}
            group by 1
            """,
            p =>
            $"""
            select a.state, count(*)
            from ({LatestVerdicts(p)}) a{RecordJoin(p, SearchFilter.Verification, out var condition)}
            where {condition}
            group by 1
            """,
            p =>
            $"""
            select 'yes', count(distinct a.record_id)
            from {Annotations} a{RecordJoin(p, SearchFilter.Annotated, out var condition)}
            where a.dataset_id = any({p.Datasets(scope)}) and {Visible(p)} and {condition}
            """);
        var (tags, verdicts, annotatedRows) = (annotationFacets[0], annotationFacets[1], annotationFacets[2]);
        var (records, recordsBound) = request.Verification is null ? (total, lowerBound) : await BoundedCountAsync(connection, SearchFilter.Verification, cancellationToken);
        var withoutVerdict = records - verdicts.Sum(v => v.Count);
        if (withoutVerdict > 0)
        {
            verdicts.Add(new FacetCount(null, withoutVerdict, recordsBound));
        }

        var yes = annotatedRows.Sum(r => r.Count);
        var (all, allBound) = request.Annotated is null ? (total, lowerBound) : await BoundedCountAsync(connection, SearchFilter.Annotated, cancellationToken);
        var annotated = new List<FacetCount> { new("yes", yes), new("no", all - yes, allBound) }.Where(f => f.Count > 0).ToList();

        return (total, lowerBound, new SearchFacets(countries, datasets, Ordered(verdicts), Ordered(tags), annotated));
    }

    /// <summary>Matches of the search without filter <paramref name="except"/>, counted up to <see cref="CountLimit"/>.</summary>
    private async Task<(long Count, bool LowerBound)> BoundedCountAsync(NpgsqlConnection connection, SearchFilter except, CancellationToken cancellationToken)
    {
        var count = await CountUpToAsync(connection, CountLimit, except, cancellationToken);
        return (count, count >= CountLimit);
    }

    private bool? surelyDense;

    /// <summary>
    /// Whether the search is a text search the planner surely knows to be frequent: its page is then walked in order
    /// without counting first, so its counts do not depend on the page (<see cref="SearchRecords"/> runs them beside it).
    /// The planner's estimate of a LIKE on digits says nothing, so a phone search is never surely dense.
    /// </summary>
    public async Task<bool> SurelyDenseAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        surelyDense ??= request.Q is not null && await EstimateAsync(connection, cancellationToken) >= surelyDenseEstimate;

    /// <summary>
    /// Whether the text query holds a word to search for (true without one); with a text query, the planner's estimate
    /// for <see cref="SurelyDenseAsync"/> comes back in the same round trip.
    /// </summary>
    public async Task<bool> HasWordsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (request.Q is not { } q)
        {
            return true;
        }
        await using var batch = new NpgsqlBatch(connection);
        var words = new NpgsqlBatchCommand($"select numnode({sql.Query("$1")}) > 0");
        words.Parameters.Add(new NpgsqlParameter { Value = q });
        batch.BatchCommands.Add(words);
        batch.BatchCommands.Add(EstimateCommand());
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var hasWords = reader.GetBoolean(0);
        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        surelyDense = Estimate(reader.GetString(0)) >= surelyDenseEstimate;
        return hasWords;
    }

    /// <summary>The planner's estimate of the matches of the whole search (planning only, nothing is run).</summary>
    private async Task<double> EstimateAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection) { BatchCommands = { EstimateCommand() } };
        return Estimate((string)(await batch.ExecuteScalarAsync(cancellationToken))!);
    }

    private NpgsqlBatchCommand EstimateCommand()
    {
        var p = new Parameters();
        var command = new NpgsqlBatchCommand($"explain (format json) select 1 from {sql.Table} d where {Where(p, SearchFilter.None)}");
        command.Parameters.AddRange(p.ToArray());
        return command;
    }

    private static double Estimate(string plan)
    {
        using var json = JsonDocument.Parse(plan);
        return json.RootElement[0].GetProperty("Plan").GetProperty("Plan Rows").GetDouble();
    }

    /// <summary>The search filters only on what the facet summary holds (country, dataset, date), or on nothing.</summary>
    private bool OnlyRecordFilters => request is { Q: null, Digits: null, Tag: null, Verification: null, Annotated: null };

    /// <summary>
    /// Matches per (dataset, country) without the country and dataset filters, counted from the records up to
    /// <see cref="CountLimit"/> matches in all; <c>Bounded</c> when the limit was reached (the counts are then lower bounds).
    /// </summary>
    private async Task<(List<(Guid Dataset, string? Country, long Count)> Groups, bool Bounded)> GroupsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var p = new Parameters();
        var groups = new List<(Guid, string?, long)>();
        await using var command = new NpgsqlCommand(GroupsSql(p), connection);
        command.Parameters.AddRange(p.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            groups.Add((reader.GetGuid(0), Text(reader, 1), reader.GetInt64(2)));
        }
        return (groups, groups.Sum(g => g.Item3) >= CountLimit);
    }

    /// <summary>The statement of <see cref="GroupsAsync"/> (the benchmark program runs the same text as its raw baseline).</summary>
    private string GroupsSql(Parameters p) =>
        $"""
        select m.dataset_id, nullif(m.country, ''), count(*)
        from (select d.dataset_id, coalesce(d.country, '') as country from {sql.Table} d
              where {Where(p, SearchFilter.Country | SearchFilter.Dataset)}
              limit {p.Add(CountLimit)}) m
        group by 1, 2
        """;

    /// <summary>
    /// The same counts as <see cref="GroupsAsync"/> for a search that filters only by country, dataset or date, read
    /// from the facet summary (counts per dataset, country and date, a few thousand rows where the records are
    /// millions) instead of counting the records; the records restricted away from the caller are counted one by one
    /// and taken away again, so the answer is exactly the records' count.
    /// </summary>
    private async Task<List<(Guid Dataset, string? Country, long Count)>> SummaryGroupsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await RecordFacetSummary.RefreshAsync(connection, sql, scope.DatasetIds, cancellationToken);
        var p = new Parameters();
        var where = new List<string> { $"s.dataset_id = any({p.Datasets(scope)})" };
        if (request.From is { } from)
        {
            where.Add($"s.date >= {p.Add(from)}");
        }
        if (request.To is { } to)
        {
            where.Add($"s.date between {p.Add(request.From ?? "0000-01-01")} and {p.Add(to)}");
        }
        var counts = new Dictionary<(Guid, string?), long>();
        await using (var command = new NpgsqlCommand(
            $"select s.dataset_id, nullif(s.country, ''), sum(s.records)::bigint from {sql.FacetSummary} s where {string.Join(" and ", where)} group by 1, 2", connection))
        {
            command.Parameters.AddRange(p.ToArray());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                counts[(reader.GetGuid(0), Text(reader, 1))] = reader.GetInt64(2);
            }
        }
        if (scope.HiddenRecordIds.Length > 0)
        {
            var hidden = new RecordSearchQueries(sql, request, scope with { HiddenRecordIds = [] }, countLimit, surelyDenseEstimate);
            foreach (var (dataset, country, count) in await hidden.HiddenGroupsAsync(connection, scope.HiddenRecordIds, cancellationToken))
            {
                counts[(dataset, country)] = counts.GetValueOrDefault((dataset, country)) - count;
            }
        }
        return counts.Select(c => (c.Key.Item1, c.Key.Item2, c.Value)).ToList();
    }

    /// <summary>Of the given records, those matching the search without its country and dataset filters, per (dataset, country).</summary>
    private async Task<List<(Guid Dataset, string? Country, long Count)>> HiddenGroupsAsync(NpgsqlConnection connection, Guid[] ids, CancellationToken cancellationToken)
    {
        var p = new Parameters();
        var where = Where(p, SearchFilter.Country | SearchFilter.Dataset) + $"\n  and d.id = any({p.Add(ids, NpgsqlDbType.Array | NpgsqlDbType.Uuid)})";
        var groups = new List<(Guid, string?, long)>();
        await using var command = new NpgsqlCommand(
            $"select d.dataset_id, nullif(coalesce(d.country, ''), ''), count(*) from {sql.Table} d where {where} group by d.dataset_id, coalesce(d.country, '')", connection);
        command.Parameters.AddRange(p.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            groups.Add((reader.GetGuid(0), Text(reader, 1), reader.GetInt64(2)));
        }
        return groups;
    }

    /// <summary>How many records match the search without filter <paramref name="except"/>, counting no further than <paramref name="cap"/>.</summary>
    private async Task<long> CountUpToAsync(NpgsqlConnection connection, int cap, SearchFilter except, CancellationToken cancellationToken)
    {
        var p = new Parameters();
        await using var command = new NpgsqlCommand($"select count(*) from (select 1 from {sql.Table} d where {Where(p, except)} limit {p.Add(cap)}) m", connection);
        command.Parameters.AddRange(p.ToArray());
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>(value, count) rows of each query, all sent in one batch.</summary>
    private static async Task<List<FacetCount>[]> GroupedAsync(NpgsqlConnection connection, CancellationToken cancellationToken, params Func<Parameters, string>[] queries)
    {
        await using var batch = new NpgsqlBatch(connection);
        foreach (var query in queries)
        {
            var p = new Parameters();
            var command = new NpgsqlBatchCommand(query(p));
            command.Parameters.AddRange(p.ToArray());
            batch.BatchCommands.Add(command);
        }
        var results = new List<FacetCount>[queries.Length];
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        for (var i = 0; i < queries.Length; i++)
        {
            results[i] = [];
            while (await reader.ReadAsync(cancellationToken))
            {
                results[i].Add(new FacetCount(Text(reader, 0), reader.GetInt64(1)));
            }
            await reader.NextResultAsync(cancellationToken);
        }
        return results;
    }

    /// <summary>Most frequent first; values without a value (no country, no verdict) last.</summary>
    private static List<FacetCount> Ordered(IEnumerable<FacetCount> counts) =>
        counts.Where(c => c.Count > 0).OrderBy(c => c.Value is null).ThenByDescending(c => c.Count).ThenBy(c => c.Value, StringComparer.Ordinal).ToList();
}
