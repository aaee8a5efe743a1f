using System.Diagnostics;
using System.Globalization;
using Consortium.Client;
using Npgsql;
using NpgsqlTypes;

namespace Consortium.Benchmarks;

/// <summary>
/// Scenario 2: GET /api/datasets/{id}/search as a signed-in reporter, one request at a time, beside the same SQL run
/// directly on the server's table: the query's main statement (the one a raw PostgreSQL user would run for it) and all
/// the statements the endpoint runs for one answer (page, country counts, highlights). API and raw calls alternate,
/// so both meet the same background load.
/// </summary>
public static class SearchScenario
{
    private const string Table = $"{BenchmarkEnvironment.Schema}.mt_doc_leakedrecord";
    private const string Config = $"'{BenchmarkEnvironment.Schema}.record_search'::regconfig";
    private const string Vector = $"to_tsvector({Config}, {BenchmarkEnvironment.Schema}.record_search_text(d.data))";
    private const string Headline = "StartSel=\"\uE000\", StopSel=\"\uE001\", MaxWords=20, MinWords=8, MaxFragments=2, FragmentDelimiter=\" … \"";

    /// <summary>One search as the API takes it; the raw statements are built from the same values.</summary>
    /// <remarks><see cref="Cursor"/> is the API's opaque cursor for the same place as <see cref="After"/> (a row number for the raw SQL).</remarks>
    private sealed record Query(string? Q, string? Phone, string? Country, long After, string? Cursor = null);

    /// <remarks><see cref="Probe"/>: the planner does not surely know the search to be frequent, so the endpoint takes its
    /// matches from the GIN indexes in one statement (counts and page, <see cref="MatchesCommand"/>), and so does the raw SQL.</remarks>
    private sealed record Kind(string Name, string Description, Func<Random, Query> Make, string Main, bool Probe);

    // The endpoint's thresholds (RecordSearchQueries), so the raw SQL runs the same statements.
    private const int SelectiveMatches = 5000;
    private const int CountLimit = 10_000;

    public static async Task<SearchResults> RunAsync(
        BenchmarkEnvironment environment, Guid datasetId, SyntheticLeak leak, int rows, Options options, CpuMeter cpu, TextWriter log)
    {
        var reporter = environment.ClientFor(Investigation.Reporter);
        var deepAfter = await DeepCursorAsync(environment, datasetId, log);
        var deepCursor = await ApiCursorAsync(reporter, datasetId, deepAfter.Matches);
        var kinds = new List<Kind>
        {
            new("exact phone", "phone = all digits of a number in the list (about 6 rows each)",
                r => new Query(null, SyntheticLeak.DigitsOf(leak.Numbers[r.Next(leak.Numbers.Count)]), null, 0), "page", Probe: true),
            new("partial phone", "phone = 6 consecutive digits from inside a number",
                r => new Query(null, PartialDigits(leak, r), null, 0), "page", Probe: true),
            new("full text, rare word", "q = a word in 2 rows",
                r => new Query(leak.RareWords[r.Next(leak.RareWords.Count)], null, null, 0), "page", Probe: true),
            new("full text, common word", $"q = \"{SyntheticLeak.CommonWord}\" (about 15% of rows), with its country counts",
                _ => new Query(SyntheticLeak.CommonWord, null, null, 0), "facets", Probe: false),
            new("facet counts, filtered", $"q = \"{SyntheticLeak.FilterWord}\" (about 4% of rows) and country = GB: counts per country",
                _ => new Query(SyntheticLeak.FilterWord, null, "GB", 0), "facets", Probe: true),
            new("deep cursor page", $"page 500 of q = \"{SyntheticLeak.CommonWord}\" (after the row of match {deepAfter.Matches:N0})",
                _ => new Query(SyntheticLeak.CommonWord, null, null, deepAfter.After, deepCursor), "page", Probe: false),
        };

        var started = cpu.Take();
        var results = new List<SearchQueryResult>();
        var plans = new List<string>();
        await using var connection = await environment.OpenAsync();
        // The endpoint's session settings (SearchRecords), so the raw SQL gets the same plans.
        await using (var settings = new NpgsqlCommand("set jit = off; set work_mem = '32MB'", connection))
        {
            await settings.ExecuteNonQueryAsync();
        }
        foreach (var kind in kinds)
        {
            var api = new List<double>();
            var main = new List<double>();
            var endpoint = new List<double>();
            var apiP95 = new List<double>();
            var mainP95 = new List<double>();
            long matches = -1;
            var random = new Random(6);
            // Warm-up: the first requests pay for JIT and cold pages.
            for (var i = 0; i < 5; i++)
            {
                var warm = kind.Make(random);
                await ApiAsync(reporter, datasetId, warm);
                await RawAsync(connection, datasetId, warm, kind.Main == "facets", kind.Probe, endpointWork: true);
            }
            for (var round = 0; round < options.SearchRounds; round++)
            {
                var roundApi = new List<double>();
                var roundMain = new List<double>();
                for (var i = 0; i < options.SearchSamples; i++)
                {
                    var query = kind.Make(random);
                    var (apiMs, total) = await ApiAsync(reporter, datasetId, query);
                    matches = matches < 0 ? total : matches;
                    roundApi.Add(apiMs);
                    roundMain.Add(await RawAsync(connection, datasetId, query, kind.Main == "facets", kind.Probe, endpointWork: false));
                    endpoint.Add(await RawAsync(connection, datasetId, query, kind.Main == "facets", kind.Probe, endpointWork: true));
                }
                api.AddRange(roundApi);
                main.AddRange(roundMain);
                apiP95.Add(Latency.Of(roundApi).P95);
                mainP95.Add(Latency.Of(roundMain).P95);
            }
            var result = new SearchQueryResult(kind.Name, kind.Description, Latency.Of(api), Latency.Of(main), Latency.Of(endpoint),
                Spread.Of(apiP95), Spread.Of(mainP95), matches, kind.Main == "facets" ? "country counts" : "page of 100");
            log.WriteLine($"  {kind.Name}: API {result.Api.Describe()}; raw {result.RawMain.Describe()}; raw, all the endpoint's statements {result.RawEndpoint.Describe()}");
            results.Add(result);
            plans.Add($"{kind.Name}:\n{await PlanAsync(connection, datasetId, kind.Make(new Random(6)), kind.Main == "facets", kind.Probe)}");
        }
        // The floor under every answer: a signed-in request that reads nothing (token validation, the caller's claims).
        var floor = new List<double>();
        for (var i = 0; i < options.SearchSamples; i++)
        {
            var clock = Stopwatch.StartNew();
            await reporter.GetMeAsync();
            floor.Add(clock.Elapsed.TotalMilliseconds);
        }
        var signedIn = Latency.Of(floor);
        log.WriteLine($"  GET /api/me (signed-in floor): {signedIn.Describe()}");
        return new SearchResults(rows, options.SearchRounds, options.SearchSamples, results, signedIn, cpu.Since(started).Describe(), plans);
    }

    private static string PartialDigits(SyntheticLeak leak, Random random)
    {
        var digits = SyntheticLeak.DigitsOf(leak.Numbers[random.Next(leak.Numbers.Count)]);
        return digits.Substring(2 + random.Next(digits.Length - 8), 6);
    }

    /// <summary>The row after which page 500 (100 a page) of the common word starts, or the middle page when there are fewer matches.</summary>
    private static async Task<(long After, long Matches)> DeepCursorAsync(BenchmarkEnvironment environment, Guid datasetId, TextWriter log)
    {
        await using var connection = await environment.OpenAsync();
        await using var count = new NpgsqlCommand($"select count(*) from {Table} d where d.dataset_id = $1 and {Vector} @@ websearch_to_tsquery({Config}, $2)", connection);
        count.Parameters.Add(new NpgsqlParameter { Value = datasetId });
        count.Parameters.Add(new NpgsqlParameter { Value = SyntheticLeak.CommonWord });
        var total = (long)(await count.ExecuteScalarAsync())!;
        var skip = Math.Min(499L * 100, Math.Max(0, total / 2 / 100 * 100));
        await using var find = new NpgsqlCommand(
            $"select d.row_number from {Table} d where d.dataset_id = $1 and {Vector} @@ websearch_to_tsquery({Config}, $2) order by d.row_number offset $3 limit 1", connection);
        find.Parameters.Add(new NpgsqlParameter { Value = datasetId });
        find.Parameters.Add(new NpgsqlParameter { Value = SyntheticLeak.CommonWord });
        find.Parameters.Add(new NpgsqlParameter { Value = Math.Max(0, skip - 1) });
        var after = skip == 0 ? 0 : (long)(await find.ExecuteScalarAsync() ?? 0L);
        log.WriteLine($"  deep cursor: page {skip / 100 + 1} of \"{SyntheticLeak.CommonWord}\" ({total:N0} matches) starts after row {after:N0}");
        return (after, skip);
    }

    /// <summary>
    /// The API's cursor after the first <paramref name="skip"/> matches of the common word, found by paging as a client
    /// does (the cursor is opaque), 500 at a time and without counts.
    /// </summary>
    private static async Task<string?> ApiCursorAsync(ConsortiumClient client, Guid datasetId, long skip)
    {
        string? cursor = null;
        for (var passed = 0L; passed < skip;)
        {
            var limit = (int)Math.Min(500, skip - passed);
            var page = await client.SearchAsync(datasetId, new SearchQuery(SyntheticLeak.CommonWord), cursor, limit, facets: false);
            cursor = page.Next;
            passed += page.Items.Count;
            if (cursor is null)
            {
                break;
            }
        }
        return cursor;
    }

    private static async Task<(double Ms, long Total)> ApiAsync(ConsortiumClient client, Guid datasetId, Query query)
    {
        var clock = Stopwatch.StartNew();
        // A deep page is paged on, as the web page does: without counts. A first page asks for them.
        var page = await client.SearchAsync(datasetId, new SearchQuery(query.Q, query.Phone, query.Country), query.Cursor, limit: 100, facets: query.Cursor is null);
        return (clock.Elapsed.TotalMilliseconds, page.Total ?? -1);
    }

    /// <summary>
    /// The endpoint's SQL with the same values. Main statement only: what gives the page for a page query, the country
    /// counts for a facet query. With <paramref name="endpointWork"/>: every statement the endpoint runs for one answer.
    /// </summary>
    /// <remarks>
    /// A selective search (<paramref name="probe"/>: the planner does not surely know it to be frequent) asked with its
    /// counts is one statement at the endpoint when it has fewer than <see cref="CountLimit"/> matches: its matches,
    /// their counts and the page among them (<see cref="MatchesCommand"/>). Then that statement is the main one of either
    /// kind. Above the limit the counts are its lower bounds, and the page is a second statement.
    /// </remarks>
    private static async Task<double> RawAsync(NpgsqlConnection connection, Guid datasetId, Query query, bool facets, bool probe, bool endpointWork)
    {
        var clock = Stopwatch.StartNew();
        Guid[] ids;
        if (probe)
        {
            var (counted, found) = await MatchesAsync(connection, datasetId, query, withCountry: false, CountLimit);
            ids = found;
            if (counted >= CountLimit)
            {
                if (facets && !endpointWork)
                {
                    return clock.Elapsed.TotalMilliseconds;
                }
                var (filtered, page) = query.Country is null ? (CountLimit, []) : await MatchesAsync(connection, datasetId, query, withCountry: true, SelectiveMatches);
                ids = filtered < SelectiveMatches ? page : await PageAsync(connection, datasetId, query);
            }
        }
        else
        {
            ids = endpointWork || !facets ? await PageAsync(connection, datasetId, query) : [];
            if (endpointWork || facets)
            {
                if (query.Cursor is null)
                {
                    // A deep page is asked for without counts, as the API call above does.
                    await CountriesAsync(connection, datasetId, query);
                }
            }
        }
        if (endpointWork && query.Q is not null)
        {
            await HighlightsAsync(connection, ids, query.Q);
        }
        return clock.Elapsed.TotalMilliseconds;
    }

    private static (string Where, List<NpgsqlParameter> Parameters) Filters(Guid datasetId, Query query, bool withCountry)
    {
        var parameters = new List<NpgsqlParameter>
        {
            new() { Value = datasetId },
            new() { Value = Array.Empty<Guid>(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
        };
        var where = "d.dataset_id = $1 and d.id <> all($2)";
        if (query.Q is not null)
        {
            parameters.Add(new() { Value = query.Q });
            where += $" and {Vector} @@ websearch_to_tsquery({Config}, ${parameters.Count})";
        }
        if (query.Phone is not null)
        {
            // The digits the endpoint searches for: a run starting with 0 loses it there (a trunk prefix, as typed
            // numbers have), so the raw SQL looks for the same shorter run.
            parameters.Add(new() { Value = $"%{Consortium.Server.Records.SearchRecords.SearchDigits(query.Phone)}%" });
            where += $" and d.phone_digits like ${parameters.Count}";
        }
        if (withCountry && query.Country is not null)
        {
            parameters.Add(new() { Value = query.Country });
            where += $" and coalesce(d.country, '') = ${parameters.Count}";
        }
        return (where, parameters);
    }

    /// <summary>The endpoint's page statement of a dense search: walked in row order on the (dataset, row) index.</summary>
    private static NpgsqlCommand PageCommand(NpgsqlConnection connection, Guid datasetId, Query query)
    {
        var (where, parameters) = Filters(datasetId, query, withCountry: true);
        parameters.Add(new() { Value = query.After });
        parameters.Add(new() { Value = 101 });
        var command = new NpgsqlCommand(
            $"select d.id, d.row_number, d.data -> 'values', d.data ->> 'phoneE164', d.data ->> 'country' from {Table} d where {where} and d.row_number > ${parameters.Count - 1} order by d.row_number limit ${parameters.Count}",
            connection);
        command.Parameters.AddRange(parameters.ToArray());
        return command;
    }

    /// <summary>
    /// The endpoint's statement for the matches of a selective search (RecordSearchQueries.MatchesAsync): up to
    /// <paramref name="cap"/> matches (without the country filter unless <paramref name="withCountry"/>), counted per
    /// (dataset, country), and the first page among them in row order, each page record read again for its values.
    /// </summary>
    private static NpgsqlCommand MatchesCommand(NpgsqlConnection connection, Guid datasetId, Query query, bool withCountry, int cap)
    {
        var (where, parameters) = Filters(datasetId, query, withCountry);
        var narrowed = new List<string>();
        if (!withCountry && query.Country is not null)
        {
            parameters.Add(new() { Value = query.Country });
            narrowed.Add($"m.country = ${parameters.Count}");
        }
        if (query.After > 0)
        {
            parameters.Add(new() { Value = datasetId });
            parameters.Add(new() { Value = query.After });
            narrowed.Add($"(m.dataset_id, m.row_number) > (${parameters.Count - 1}, ${parameters.Count})");
        }
        parameters.Add(new() { Value = cap });
        parameters.Add(new() { Value = 101 });
        const string order = "m.dataset_id asc, m.row_number asc";
        var command = new NpgsqlCommand(
            $"""
            with m as materialized (
              select d.id, d.dataset_id, coalesce(d.country, '') as country, d.row_number, null::text as sort_key
              from {Table} d
              where {where}
              limit ${parameters.Count - 1}),
            page as (
              select m.*, row_number() over (order by {order}) as ordinal
              from m{(narrowed.Count == 0 ? "" : " where " + string.Join(" and ", narrowed))}
              order by {order}
              limit ${parameters.Count})
            select 0 as part, null::uuid as id, m.dataset_id, null::bigint as row_number, null::jsonb as values, null::text as e164,
                   nullif(m.country, '') as country, null::text as date, null::text as sort_key, count(*) as ordinal
            from m group by m.dataset_id, m.country
            union all
            select 1, d.id, d.dataset_id, d.row_number, d.data -> 'values', d.data ->> 'phoneE164',
                   d.data ->> 'country', d.data ->> 'date', page.sort_key, page.ordinal
            from page join {Table} d on d.id = page.id
            order by 1, 10
            """, connection);
        command.Parameters.AddRange(parameters.ToArray());
        return command;
    }

    /// <summary>How many matches <see cref="MatchesCommand"/> counted, and the ids of its page.</summary>
    private static async Task<(long Counted, Guid[] Ids)> MatchesAsync(NpgsqlConnection connection, Guid datasetId, Query query, bool withCountry, int cap)
    {
        await using var command = MatchesCommand(connection, datasetId, query, withCountry, cap);
        var counted = 0L;
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            if (reader.GetInt32(0) == 0)
            {
                counted += reader.GetInt64(9);
            }
            else
            {
                ids.Add(reader.GetGuid(1));
                _ = reader.GetString(4); // the values are read, as the endpoint reads them
            }
        }
        return (counted, [.. ids]);
    }

    /// <summary>The endpoint's counts per (dataset, country), which stop at <see cref="CountLimit"/> matches (lower bounds above).</summary>
    private static NpgsqlCommand CountriesCommand(NpgsqlConnection connection, Guid datasetId, Query query)
    {
        var (where, parameters) = Filters(datasetId, query, withCountry: false);
        parameters.Add(new() { Value = CountLimit });
        var command = new NpgsqlCommand(
            $"select m.dataset_id, nullif(m.country, ''), count(*) from (select d.dataset_id, coalesce(d.country, '') as country from {Table} d where {where} limit ${parameters.Count}) m group by 1, 2",
            connection);
        command.Parameters.AddRange(parameters.ToArray());
        return command;
    }

    private static async Task<Guid[]> PageAsync(NpgsqlConnection connection, Guid datasetId, Query query)
    {
        await using var command = PageCommand(connection, datasetId, query);
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetGuid(0));
            _ = reader.GetString(2); // the values are read, as the endpoint reads them
        }
        return [.. ids];
    }

    private static async Task CountriesAsync(NpgsqlConnection connection, Guid datasetId, Query query)
    {
        await using var command = CountriesCommand(connection, datasetId, query);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
        }
    }

    private static async Task HighlightsAsync(NpgsqlConnection connection, Guid[] ids, string q)
    {
        if (ids.Length == 0)
        {
            return;
        }
        await using var command = new NpgsqlCommand(
            $"""
            select h.id, h.key, h.headline from (
              select d.id, d.row_number, e.key, e.ordinal, ts_headline({Config}, e.value, websearch_to_tsquery({Config}, $2), $3) as headline
              from {Table} d cross join lateral jsonb_each_text(d.data -> 'values') with ordinality e(key, value, ordinal)
              where d.id = any($1)) h
            where strpos(h.headline, $4) > 0 order by h.row_number, h.ordinal
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = q });
        command.Parameters.Add(new NpgsqlParameter { Value = Headline });
        command.Parameters.Add(new NpgsqlParameter { Value = "\uE000" });
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
        }
    }

    /// <summary>EXPLAIN (ANALYZE, BUFFERS) of the main statement, for the investigation of a missed goal.</summary>
    private static async Task<string> PlanAsync(NpgsqlConnection connection, Guid datasetId, Query query, bool facets, bool probe)
    {
        await using var command = probe ? MatchesCommand(connection, datasetId, query, withCountry: false, CountLimit)
            : facets ? CountriesCommand(connection, datasetId, query) : PageCommand(connection, datasetId, query);
        command.CommandText = "explain (analyze, buffers, costs off) " + command.CommandText;
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }
        return string.Join('\n', lines);
    }

    public static string Ms(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);
}
