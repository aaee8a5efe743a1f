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

    /// <remarks><see cref="Probe"/>: the endpoint counts the matches up to <see cref="SelectiveMatches"/> first (the planner
    /// does not surely know the search to be frequent), and so does the raw SQL.</remarks>
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
    /// The endpoint's SQL with the same values. Main statement only: the page for a page query, the country counts for
    /// a facet query. With <paramref name="endpointWork"/>: every statement the endpoint runs for one answer.
    /// </summary>
    private static async Task<double> RawAsync(NpgsqlConnection connection, Guid datasetId, Query query, bool facets, bool probe, bool endpointWork)
    {
        var clock = Stopwatch.StartNew();
        if (endpointWork || !facets)
        {
            var ids = await PageAsync(connection, datasetId, query, probe);
            if (endpointWork)
            {
                if (query.Cursor is null)
                {
                    // A deep page is asked for without counts, as the API call above does.
                    await CountriesAsync(connection, datasetId, query);
                }
                if (query.Q is not null)
                {
                    await HighlightsAsync(connection, ids, query.Q);
                }
            }
        }
        else
        {
            await CountriesAsync(connection, datasetId, query);
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
            parameters.Add(new() { Value = $"%{query.Phone}%" });
            where += $" and d.phone_digits like ${parameters.Count}";
        }
        if (withCountry && query.Country is not null)
        {
            parameters.Add(new() { Value = query.Country });
            where += $" and coalesce(d.country, '') = ${parameters.Count}";
        }
        return (where, parameters);
    }

    /// <summary>
    /// The endpoint's page statement. A selective search (fewer than <see cref="SelectiveMatches"/> matches, found by the
    /// same capped count the endpoint runs first) is fetched from the GIN index and sorted, with the order disguised as
    /// the endpoint does it; a dense one walks the row-order index.
    /// </summary>
    private static NpgsqlCommand PageCommand(NpgsqlConnection connection, Guid datasetId, Query query, bool selective)
    {
        var (where, parameters) = Filters(datasetId, query, withCountry: true);
        parameters.Add(new() { Value = query.After });
        parameters.Add(new() { Value = 101 });
        var row = selective ? "(d.row_number + 0)" : "d.row_number";
        var command = new NpgsqlCommand(
            $"select d.id, d.row_number, d.data -> 'values', d.data ->> 'phoneE164', d.data ->> 'country' from {Table} d where {where} and {row} > ${parameters.Count - 1} order by {row} limit ${parameters.Count}",
            connection);
        command.Parameters.AddRange(parameters.ToArray());
        return command;
    }

    /// <summary>The endpoint's probe: are there fewer than <see cref="SelectiveMatches"/> matches?</summary>
    private static async Task<bool> SelectiveAsync(NpgsqlConnection connection, Guid datasetId, Query query)
    {
        var (where, parameters) = Filters(datasetId, query, withCountry: true);
        parameters.Add(new() { Value = SelectiveMatches });
        await using var command = new NpgsqlCommand($"select count(*) from (select 1 from {Table} d where {where} limit ${parameters.Count}) m", connection);
        command.Parameters.AddRange(parameters.ToArray());
        return (long)(await command.ExecuteScalarAsync())! < SelectiveMatches;
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

    private static async Task<Guid[]> PageAsync(NpgsqlConnection connection, Guid datasetId, Query query, bool probe)
    {
        if (query is { Phone.Length: <= 8, Q: null })
        {
            // The endpoint looks for a short run of digits in the next 5,000 records in row order first.
            var (where, parameters) = Filters(datasetId, query, withCountry: true);
            parameters.Add(new() { Value = query.After });
            await using var window = new NpgsqlCommand(
                $"select d.id, d.row_number, d.data -> 'values', d.data ->> 'phoneE164', d.data ->> 'country' from (select * from {Table} d where d.dataset_id = $1 and d.row_number > ${parameters.Count} order by d.row_number limit 5000) d where {where} order by d.row_number limit 101",
                connection);
            window.Parameters.AddRange(parameters.ToArray());
            var found = new List<Guid>();
            await using (var windowReader = await window.ExecuteReaderAsync())
            {
                while (await windowReader.ReadAsync())
                {
                    found.Add(windowReader.GetGuid(0));
                    _ = windowReader.GetString(2);
                }
            }
            if (found.Count > 100)
            {
                return [.. found];
            }
        }
        var selective = probe && await SelectiveAsync(connection, datasetId, query);
        await using var command = PageCommand(connection, datasetId, query, selective);
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
        var selective = !facets && probe && await SelectiveAsync(connection, datasetId, query);
        await using var command = facets ? CountriesCommand(connection, datasetId, query) : PageCommand(connection, datasetId, query, selective);
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
