using System.Text.Json;
using Consortium.Client;
using Consortium.Server.Annotations;
using Npgsql;
using NpgsqlTypes;

namespace Consortium.Server.Records;

/// <summary>
/// What a search may look at: the datasets the caller sees (compartments applied), the records restricted away from
/// them, and who they are (annotations count only where the caller may read them).
/// </summary>
internal sealed record SearchScope(Guid[] DatasetIds, Guid[] HiddenRecordIds, string OutletId, string UserId);

/// <summary>Filters a facet leaves out of its own count.</summary>
[Flags]
internal enum SearchFilter
{
    None = 0,
    Country = 1,
    Dataset = 2,
    Verification = 4,
    Tag = 8,
    Annotated = 16,
}

/// <summary>One result row before highlights.</summary>
internal sealed record SearchRow(RecordView Record, string? SortKey);

/// <summary>
/// The SQL of a record search: the page (keyset on the sort key, dataset and row number, one branch per dataset so
/// each walks its own index in order) and the facet counts (each without its own filter). Every value is a positional
/// parameter; only fixed fragments and the configured schema name are part of the text.
/// </summary>
internal sealed class RecordSearchQueries(
    RecordSearchSql sql, RecordSearchRequest request, SearchScope scope, int countLimit = RecordSearchQueries.DefaultCountLimit,
    double surelyDenseEstimate = RecordSearchQueries.DefaultSurelyDense)
{
    private string Annotations => sql.Annotations;

    /// <summary>A text or phone search with fewer matches than this is fetched whole and sorted, not walked in order.</summary>
    private const int SelectiveMatches = 5000;

    /// <summary>
    /// Above this many estimated matches the search is walked in order without counting first: PostgreSQL's estimate is
    /// reliable for frequent words (they are in its statistics), and counting them through the index is what costs.
    /// Configuration <c>Search:SurelyDense</c> (tests set it to 0 to take this path with a few records).
    /// </summary>
    public const double DefaultSurelyDense = 50_000;

    /// <summary>
    /// Counts from the records stop here and become lower bounds (see <see cref="FacetsAsync"/>); configuration
    /// <c>Search:CountLimit</c>. At a million records, counting 10,000 matches of a common word costs about what
    /// building its bitmap does; counting all 150,000 costs five times more.
    /// </summary>
    public const int DefaultCountLimit = 10_000;

    private int CountLimit => countLimit;

    /// <summary>The exact number of matches of the whole search, when <see cref="PageAsync"/> counted them on its way.</summary>
    private long? exactTotal;

    /// <summary>The matches per (dataset, country) without those two filters, when <see cref="PageAsync"/> counted them on its way.</summary>
    private (List<(Guid Dataset, string? Country, long Count)> Groups, bool Bounded)? countedGroups;

    /// <summary>Whether a (dataset, country) group is inside the search's own dataset and country filters.</summary>
    private bool InScope(Guid dataset, string? country) =>
        (request.Dataset is not { } only || only == dataset) && (request.Country is null || request.Country == country);

    /// <summary>
    /// Set by <see cref="PageAsync"/> as it ends: the exact number of matches when it counted them on its way, else
    /// null. Counts running beside the page on another connection wait for it instead of counting the same matches.
    /// </summary>
    private readonly TaskCompletionSource<long?> pageTotal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The <see cref="pageTotal"/> of the page these counts run beside, if they do.</summary>
    private Task<long?>? besidePageTotal;

    /// <summary>
    /// Whether the counts of this search are better run on a second connection beside the page than after it on the
    /// same one: when the page cannot give them. A frequent word's page is walked in order, and a country or dataset
    /// filter narrows the page but not the country and dataset counts; in both cases the counts are a statement of
    /// their own (the bitmap of every match, built whole whatever the count limit), and the page does not wait for it.
    /// </summary>
    public async Task<bool> CountsBesidePageAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        request.WithFacets && scope.DatasetIds.Length > 0
        && (request.Country is not null || request.Dataset is not null || await SurelyDenseAsync(connection, cancellationToken));

    /// <summary>The same search for its counts, to run on another connection beside this one's page.</summary>
    public RecordSearchQueries CountsBeside() =>
        new(sql, request, scope, countLimit, surelyDenseEstimate) { besidePageTotal = pageTotal.Task, surelyDense = surelyDense };

    /// <summary>
    /// Up to limit + 1 results after the cursor: the extra one says whether a next page exists. With
    /// <paramref name="countsBeside"/>, the counts run elsewhere (<see cref="CountsBeside"/>) and the page does not count.
    /// </summary>
    /// <remarks>
    /// PostgreSQL cannot estimate how many records a word or a run of digits matches (a rare word is guessed at
    /// thousands), and then walks the row-order index filtering every record: seconds for a word that occurs ten times
    /// in a million. So a text or phone search that the planner does not surely know to be frequent takes its matches
    /// from the GIN indexes first, up to a cap, in one statement (<see cref="MatchesAsync"/>): when there are fewer than
    /// the cap, the page is sorted among them (and with counts asked for, they are also the counts); above it, matches
    /// are dense and the ordered walk finds a page after a few hundred rows.
    /// See docs/decisions/0013-search-facets-sorts-cursors.md.
    /// </remarks>
    public async Task<List<SearchRow>> PageAsync(NpgsqlConnection connection, CancellationToken cancellationToken, bool countsBeside = false)
    {
        try
        {
            return await PageOrWalkAsync(connection, countsBeside, cancellationToken);
        }
        finally
        {
            pageTotal.TrySetResult(exactTotal);
        }
    }

    private async Task<List<SearchRow>> PageOrWalkAsync(NpgsqlConnection connection, bool countsBeside, CancellationToken cancellationToken)
    {
        var selectiveCandidate = (request.Q is not null || request.Digits is not null) && !await SurelyDenseAsync(connection, cancellationToken);
        var countsHere = request.WithFacets && !countsBeside;
        if (selectiveCandidate && countsHere)
        {
            // The matches without the country and dataset filters, up to the count limit, give the country and dataset
            // counts; when they are all of them, they also hold the page (one pass over the index and the records
            // instead of a probe, a page and a count over the same candidates).
            var (groups, page) = await MatchesAsync(connection, SearchFilter.Country | SearchFilter.Dataset, CountLimit, cancellationToken);
            var counted = groups.Sum(g => g.Count);
            countedGroups = (groups, counted >= CountLimit);
            if (counted < CountLimit)
            {
                exactTotal = groups.Where(g => InScope(g.Dataset, g.Country)).Sum(g => g.Count);
                return page;
            }
        }
        if (request is { Digits: { Length: <= ShortDigits }, Q: null, Sort: SearchSort.Row } && !countsHere
            && (request.Dataset ?? (scope.DatasetIds.Length == 1 ? scope.DatasetIds[0] : null)) is { } single
            && await WindowAsync(connection, single, cancellationToken) is { } found)
        {
            return found;
        }
        // Counted up to the limit above without a country or dataset filter: the filtered search may still be selective.
        if (selectiveCandidate && (countedGroups is null || request.Country is not null || request.Dataset is not null))
        {
            var (groups, page) = await MatchesAsync(connection, SearchFilter.None, SelectiveMatches, cancellationToken);
            var counted = groups.Sum(g => g.Count);
            if (counted < SelectiveMatches)
            {
                // Counted without the cursor, so below the cap it is the whole search's exact total.
                exactTotal = counted;
                return page;
            }
        }
        var p = new Parameters();
        var where = Where(p, SearchFilter.None);
        var direction = request.Descending ? "desc" : "asc";
        // Dense: walked in order on the (dataset, key, row) indexes, where a page of matches comes after a few hundred rows.
        var key = SortKey("d");
        const string rowNumber = "d.row_number";
        var limit = p.Add(request.Limit + 1);
        var datasets = (request.Dataset is { } only ? [only] : scope.DatasetIds)
            .OrderBy(d => d.ToString(), StringComparer.Ordinal) // PostgreSQL's uuid order
            .ToArray();
        var branches = new List<string>();
        foreach (var dataset in datasets)
        {
            if (Keyset(p, dataset, key, rowNumber) is not { } keyset)
            {
                continue; // the cursor is past this dataset already
            }
            branches.Add(
                $"""
                (select d.id, d.dataset_id, d.row_number, d.data -> 'values' as values, d.data ->> 'phoneE164' as e164,
                        d.data ->> 'country' as country, d.data ->> 'date' as date, {key ?? "null::text"} as sort_key
                 from {sql.Table} d
                 where {where} and d.dataset_id = {p.Add(dataset)}{keyset}
                 order by {(key is null ? "" : $"{key} {direction}, ")}{rowNumber} {direction}
                 limit {limit})
                """);
        }
        if (branches.Count == 0)
        {
            return [];
        }
        await using var command = new NpgsqlCommand(
            $"""
            select u.* from (
            {string.Join("\nunion all\n", branches)}
            ) u
            order by {(key is null ? "" : $"u.sort_key {direction}, ")}u.dataset_id {direction}, u.row_number {direction}
            limit {limit}
            """, connection);
        command.Parameters.AddRange(p.ToArray());
        return await ReadRowsAsync(command, cancellationToken);
    }

    private static async Task<List<SearchRow>> ReadRowsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var rows = new List<SearchRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var values = JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(3))!;
            rows.Add(new SearchRow(
                new RecordView(reader.GetGuid(0), reader.GetGuid(1), reader.GetInt64(2), values, Text(reader, 4), Text(reader, 5), Text(reader, 6)),
                Text(reader, 7)));
        }
        return rows;
    }

    /// <summary>A run of digits this short is looked for first in the next <see cref="WindowRows"/> records in row order.</summary>
    private const int ShortDigits = 8;

    private const int WindowRows = 5000;

    /// <summary>
    /// The page of a short run of digits taken from the next <see cref="WindowRows"/> records of one dataset in row
    /// order, or null when fewer than a page (and one) of them match.
    /// </summary>
    /// <remarks>
    /// A few digits often occur in many numbers (a country or area code): then the trigram index gives tens of
    /// thousands of candidates, and counting them to decide how to fetch the page costs hundreds of milliseconds,
    /// while the next few thousand records in row order (sequential pages, a cheap comparison each) already hold a
    /// page. The matches inside the window are the first ones after the cursor, so the page is exactly the one the
    /// other paths would return; when the window holds too few, the search goes on as for any other run of digits.
    /// </remarks>
    private async Task<List<SearchRow>?> WindowAsync(NpgsqlConnection connection, Guid dataset, CancellationToken cancellationToken)
    {
        if (request.After is { } other && other.DatasetId != dataset)
        {
            return null;
        }
        var p = new Parameters();
        var direction = request.Descending ? "desc" : "asc";
        var after = request.After is { } cursor
            ? $" and d.row_number {(request.Descending ? "<" : ">")} {p.Add(cursor.RowNumber)}"
            : "";
        var limit = p.Add(request.Limit + 1);
        await using var command = new NpgsqlCommand(
            $"""
            select d.id, d.dataset_id, d.row_number, d.data -> 'values' as values, d.data ->> 'phoneE164' as e164,
                   d.data ->> 'country' as country, d.data ->> 'date' as date, null::text as sort_key
            from (select * from {sql.Table} d where d.dataset_id = {p.Add(dataset)}{after} order by d.row_number {direction} limit {p.Add(WindowRows)}) d
            where {Where(p, SearchFilter.None)}
            order by d.row_number {direction}
            limit {limit}
            """, connection);
        command.Parameters.AddRange(p.ToArray());
        var rows = await ReadRowsAsync(command, cancellationToken);
        return rows.Count > request.Limit ? rows : null;
    }

    /// <summary>
    /// The matches of the search without filters <paramref name="except"/> (country, dataset or neither), up to
    /// <paramref name="cap"/>, in one statement: how many there are per (dataset, country), and the page after the
    /// cursor among them with the excepted filters applied. The page is the search's page only when fewer than
    /// <paramref name="cap"/> matched (then every match was looked at).
    /// </summary>
    /// <remarks>
    /// The matches are taken from the GIN indexes without an order (a bitmap of the candidates, each record read once)
    /// and only their narrow columns are kept; the page is sorted among them on (key, dataset, row), the order of every
    /// page, with the cursor as one row comparison, and only its own records are read again for their values.
    /// </remarks>
    private async Task<(List<(Guid Dataset, string? Country, long Count)> Groups, List<SearchRow> Page)> MatchesAsync(
        NpgsqlConnection connection, SearchFilter except, int cap, CancellationToken cancellationToken)
    {
        var p = new Parameters();
        var key = SortKey("d") ?? "null::text";
        var narrowed = new List<string>();
        if (except.HasFlag(SearchFilter.Country) && request.Country is { } country)
        {
            narrowed.Add($"m.country = {p.Add(country)}");
        }
        if (except.HasFlag(SearchFilter.Dataset) && request.Dataset is { } dataset)
        {
            narrowed.Add($"m.dataset_id = {p.Add(dataset)}");
        }
        var op = request.Descending ? "<" : ">";
        if (request.After is { } after)
        {
            narrowed.Add(request.Sort == SearchSort.Row
                ? $"(m.dataset_id, m.row_number) {op} ({p.Add(after.DatasetId)}, {p.Add(after.RowNumber)})"
                : $"(m.sort_key, m.dataset_id, m.row_number) {op} ({p.Add(after.Key ?? "")}, {p.Add(after.DatasetId)}, {p.Add(after.RowNumber)})");
        }
        var direction = request.Descending ? "desc" : "asc";
        var order = $"{(request.Sort == SearchSort.Row ? "" : $"m.sort_key {direction}, ")}m.dataset_id {direction}, m.row_number {direction}";
        var where = Where(p, except);
        await using var command = new NpgsqlCommand(
            $"""
            with m as materialized (
              select d.id, d.dataset_id, coalesce(d.country, '') as country, d.row_number, {key} as sort_key
              from {sql.Table} d
              where {where}
              limit {p.Add(cap)}),
            page as (
              select m.*, row_number() over (order by {order}) as ordinal
              from m{(narrowed.Count == 0 ? "" : " where " + string.Join(" and ", narrowed))}
              order by {order}
              limit {p.Add(request.Limit + 1)})
            select 0 as part, null::uuid as id, m.dataset_id, null::bigint as row_number, null::jsonb as values, null::text as e164,
                   nullif(m.country, '') as country, null::text as date, null::text as sort_key, count(*) as ordinal
            from m group by m.dataset_id, m.country
            union all
            select 1, d.id, d.dataset_id, d.row_number, d.data -> 'values', d.data ->> 'phoneE164',
                   d.data ->> 'country', d.data ->> 'date', page.sort_key, page.ordinal
            from page join {sql.Table} d on d.id = page.id
            order by 1, 10
            """, connection);
        command.Parameters.AddRange(p.ToArray());
        var groups = new List<(Guid, string?, long)>();
        var rows = new List<SearchRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (reader.GetInt32(0) == 0)
            {
                groups.Add((reader.GetGuid(2), Text(reader, 6), reader.GetInt64(9)));
                continue;
            }
            var values = JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(4))!;
            rows.Add(new SearchRow(
                new RecordView(reader.GetGuid(1), reader.GetGuid(2), reader.GetInt64(3), values, Text(reader, 5), Text(reader, 6), Text(reader, 7)),
                Text(reader, 8)));
        }
        return (groups, rows);
    }

    /// <summary>The cursor that continues after <paramref name="last"/>.</summary>
    public SearchCursor CursorAfter(SearchRow last) =>
        new(request.SortName, request.OrderName, request.Sort == SearchSort.Row ? null : last.SortKey ?? "", last.Record.DatasetId, last.Record.RowNumber);

    /// <summary>
    /// Every facet and the total of the whole search; <c>LowerBound</c> when counting stopped at
    /// <see cref="CountLimit"/> and the total and the record counts are "at least".
    /// </summary>
    /// <remarks>
    /// Counting every match of a common word reads every matching record (the country is in the row): a word in 15% of
    /// a million records costs a second however the plan is made, on every first page. Counts from the records
    /// therefore stop at <see cref="CountLimit"/> matches: below it every count is exact; above it the total says "at
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

    /// <summary>Every filter of the search except <paramref name="except"/>, with the caller's scope, as one SQL condition over alias d.</summary>
    private string Where(Parameters p, SearchFilter except)
    {
        var where = new List<string> { $"d.dataset_id = any({p.Datasets(scope)})" };
        if (scope.HiddenRecordIds.Length > 0)
        {
            where.Add($"d.id <> all({p.Add(scope.HiddenRecordIds, NpgsqlDbType.Array | NpgsqlDbType.Uuid)})");
        }
        if (request.Q is { } q)
        {
            where.Add($"{sql.DocumentVector("d.data")} @@ {sql.Query(p.Add(q))}");
        }
        if (request.Digits is { } digits)
        {
            // Digits only, so nothing in them is a LIKE wildcard.
            where.Add($"d.phone_digits like {p.Add($"%{digits}%")}");
        }
        if (request.Country is { } country && !except.HasFlag(SearchFilter.Country))
        {
            // The expression of the (dataset, country, row) index; the same as d.country = code for a code.
            where.Add($"coalesce(d.country, '') = {p.Add(country)}");
        }
        if (request.Dataset is { } dataset && !except.HasFlag(SearchFilter.Dataset))
        {
            where.Add($"d.dataset_id = {p.Add(dataset)}");
        }
        if (request.From is { } from)
        {
            where.Add($"coalesce(d.date, '') >= {p.Add(from)}");
        }
        if (request.To is { } to)
        {
            // Records without a date ('' here) are outside every range: from is a date, or this adds one.
            where.Add($"coalesce(d.date, '') between {p.Add(request.From ?? "0000-01-01")} and {p.Add(to)}");
        }
        if (request.Tag is { } tag && !except.HasFlag(SearchFilter.Tag))
        {
            where.Add($"d.id in (select a.record_id from {Annotations} a where a.dataset_id = any({p.Datasets(scope)}) and a.data ->> 'tag' = {p.Add(tag)} and {Visible(p)})");
        }
        if (request.Verification is { } state && !except.HasFlag(SearchFilter.Verification))
        {
            where.Add($"d.id in (select v.record_id from ({LatestVerdicts(p)}) v where v.state = {p.Add(state)})");
        }
        if (request.Annotated is { } annotated && !except.HasFlag(SearchFilter.Annotated))
        {
            where.Add($"{(annotated ? "" : "not ")}exists (select 1 from {Annotations} a where a.record_id = d.id and {Visible(p)})");
        }
        return string.Join("\n  and ", where);
    }

    /// <summary>
    /// What ties annotations (alias a, with record_id and dataset_id) to the records of the search without filter
    /// <paramref name="except"/>: a join to the records and their conditions, or, when that search filters by nothing
    /// beyond the caller's scope, no join and conditions on the annotations' own dataset and record ids. Joining each of
    /// thousands of annotations to its record costs a random read each, for nothing when no record filter applies.
    /// </summary>
    private string RecordJoin(Parameters p, SearchFilter except, out string condition)
    {
        var narrowed = request.Q is not null || request.Digits is not null || request.From is not null || request.To is not null
            || (request.Country is not null && !except.HasFlag(SearchFilter.Country))
            || (request.Tag is not null && !except.HasFlag(SearchFilter.Tag))
            || (request.Verification is not null && !except.HasFlag(SearchFilter.Verification))
            || (request.Annotated is not null && !except.HasFlag(SearchFilter.Annotated));
        if (narrowed)
        {
            condition = Where(p, except);
            return $" join {sql.Table} d on d.id = a.record_id";
        }
        var where = new List<string> { $"a.dataset_id = any({p.Datasets(scope)})" };
        if (scope.HiddenRecordIds.Length > 0)
        {
            where.Add($"a.record_id <> all({p.Add(scope.HiddenRecordIds, NpgsqlDbType.Array | NpgsqlDbType.Uuid)})");
        }
        if (request.Dataset is { } dataset && !except.HasFlag(SearchFilter.Dataset))
        {
            where.Add($"a.dataset_id = {p.Add(dataset)}");
        }
        condition = string.Join(" and ", where);
        return "";
    }

    /// <summary>Each record's latest verdict among the annotations the caller may read (retracted ones are not).</summary>
    private string LatestVerdicts(Parameters p) =>
        $"""
        select distinct on (a.record_id) a.record_id, a.dataset_id, a.data ->> 'verificationState' as state
        from {Annotations} a
        where a.dataset_id = any({p.Datasets(scope)}) and a.data ->> 'verificationState' is not null and {Visible(p)}
        order by a.record_id, (a.data ->> 'sequence')::bigint desc
        """;

    private string Visible(Parameters p) => AnnotationSql.VisibleTo("a", p.Outlet(scope), p.User(scope));

    /// <summary>The sort key of a record, or null for row order. Records without one sort first (ascending) or last (descending).</summary>
    private string? SortKey(string alias) => request.Sort switch
    {
        SearchSort.Date => $"coalesce({alias}.date, '')",
        SearchSort.Country => $"coalesce({alias}.country, '')",
        _ => null,
    };

    /// <summary>
    /// The condition of one dataset's branch that continues after the cursor, "" without a cursor, or null when the
    /// cursor is past the whole dataset. The order is (key, dataset, row): within one dataset (key, row) decides, and
    /// the cursor's dataset only says whether rows with the cursor's own key come before or after it.
    /// </summary>
    private string? Keyset(Parameters p, Guid dataset, string? key, string rowNumber)
    {
        if (request.After is not { } after)
        {
            return "";
        }
        var sign = string.CompareOrdinal(dataset.ToString(), after.DatasetId.ToString());
        if (request.Descending)
        {
            sign = -sign;
        }
        var op = request.Descending ? "<" : ">";
        if (key is null)
        {
            return sign switch
            {
                < 0 => null,
                0 => $" and {rowNumber} {op} {p.Add(after.RowNumber)}",
                _ => "",
            };
        }
        // In the order of the search, a later dataset's rows with the cursor's key all follow it, an earlier one's none.
        var row = sign == 0 ? after.RowNumber : (sign > 0) != request.Descending ? long.MinValue : long.MaxValue;
        return $" and ({key}, {rowNumber}) {op} ({p.Add(after.Key ?? "")}, {p.Add(row)})";
    }

    private static string? Text(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <summary>Positional parameters of one command; the scope's values are added once and reused.</summary>
    private sealed class Parameters
    {
        private readonly List<NpgsqlParameter> list = [];
        private string? datasets, outlet, user;

        public string Add(object value, NpgsqlDbType? type = null)
        {
            var parameter = new NpgsqlParameter { Value = value };
            if (type is { } t)
            {
                parameter.NpgsqlDbType = t;
            }
            list.Add(parameter);
            return $"${list.Count}";
        }

        public string Datasets(SearchScope scope) => datasets ??= Add(scope.DatasetIds, NpgsqlDbType.Array | NpgsqlDbType.Uuid);

        public string Outlet(SearchScope scope) => outlet ??= Add(scope.OutletId, NpgsqlDbType.Text);

        public string User(SearchScope scope) => user ??= Add(scope.UserId, NpgsqlDbType.Text);

        public NpgsqlParameter[] ToArray() => [.. list];
    }
}
