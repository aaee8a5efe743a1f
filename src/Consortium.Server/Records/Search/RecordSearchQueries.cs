using System.Text.Json;
using Consortium.Client;
using Consortium.Server.Annotations;
using Npgsql;
using NpgsqlTypes;

namespace Consortium.Server.Records;

/// <summary>
/// The SQL of a record search: the page (keyset on the sort key, dataset and row number, one branch per dataset so
/// each walks its own index in order) and the facet counts (each without its own filter). Every value is a positional
/// parameter; only fixed fragments and the configured schema name are part of the text.
/// </summary>
internal sealed partial class RecordSearchQueries(
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
    /// <c>Search:CountLimit</c>. About what building a common word's bitmap costs (decision 0013, "Bounded counts").
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
}
