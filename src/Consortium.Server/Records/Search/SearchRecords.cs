using System.Text;
using Consortium.Client;
using Consortium.Server.Access;
using Consortium.Server.Audit;
using Consortium.Server.Hosting;
using Consortium.Server.Identity;
using Consortium.Server.Storage;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using NpgsqlTypes;

namespace Consortium.Server.Records;

/// <summary>
/// Search over the records of one dataset, or of every dataset of an investigation the caller sees: full text over every
/// value (PostgreSQL text search, accents and case ignored), partial phone digits (trigram index), filters on country,
/// dataset, date range and what visible annotations say (tag, verification verdict, annotated or not); sorted by row,
/// date or country with an opaque keyset cursor; each result saying why it matched; with facet counts. Records and
/// annotations the caller may not see are neither listed nor counted.
/// </summary>
public static class SearchRecords
{
    // Marks that ts_headline puts around matches; taken out again and turned into spans, so clients get plain text.
    private const char StartMark = '\uE000';
    private const char StopMark = '\uE001';
    private static readonly string HeadlineOptions = $"StartSel=\"{StartMark}\", StopSel=\"{StopMark}\", MaxWords=20, MinWords=8, MaxFragments=2, FragmentDelimiter=\" … \"";

    public static RouteGroupBuilder MapRecordSearch(this RouteGroupBuilder group)
    {
        group.MapGet("/datasets/{id:guid}/search", SearchDataset);
        group.MapGet("/investigations/{id:guid}/search", SearchInvestigation);
        return group;
    }

    private static async Task<Results<Ok<SearchPage>, NotFound<ProblemDetails>, BadRequest<ProblemDetails>, ProblemHttpResult>> SearchDataset(
        Guid id, [AsParameters] SearchParameters parameters, HttpContext http, AccessPolicy access, StorageSettings storage, AuditLog audit, ReadBudget budget,
        IConfiguration configuration, CancellationToken cancellationToken)
    {
        var (request, problem) = RecordSearchRequest.Parse(parameters, investigationWide: false);
        if (problem is not null)
        {
            return problem;
        }
        var user = ConsortiumUser.From(http.User);
        if (await access.DatasetAsync(user, id, cancellationToken) is not { } visible)
        {
            return Problems.NotFound("dataset");
        }
        var hidden = await access.HiddenRecordIdsAsync(user, id, cancellationToken);
        return await RunAsync(http, storage, audit, budget, configuration, request!, new SearchScope([id], hidden, user.OutletId, user.UserId),
            new AuditSubject(AuditActions.RecordsSearched, visible.Investigation.Id, AuditTargets.Dataset, id.ToString()), cancellationToken);
    }

    private static async Task<Results<Ok<SearchPage>, NotFound<ProblemDetails>, BadRequest<ProblemDetails>, ProblemHttpResult>> SearchInvestigation(
        Guid id, [AsParameters] SearchParameters parameters, HttpContext http, AccessPolicy access, IQuerySession session, StorageSettings storage, AuditLog audit,
        ReadBudget budget, IConfiguration configuration, CancellationToken cancellationToken)
    {
        var (request, problem) = RecordSearchRequest.Parse(parameters, investigationWide: true);
        if (problem is not null)
        {
            return problem;
        }
        var user = ConsortiumUser.From(http.User);
        if (await access.InvestigationAsync(user, id, cancellationToken) is null)
        {
            return Problems.NotFound("investigation");
        }
        // Compartments: only the datasets the caller's outlet is inside of are searched, listed or counted.
        var datasets = (await session.Query<Dataset>().Where(d => d.InvestigationId == id).ToListAsync(cancellationToken))
            .Where(d => AccessPolicy.CanSee(user, d)).Select(d => d.Id).ToArray();
        if (request!.Dataset is { } only && !datasets.Contains(only))
        {
            // The same answer for a dataset that does not exist and one outside the caller's compartments.
            return Problems.BadRequest("Unknown dataset", "dataset is not a dataset of this investigation that is shared with your outlet.");
        }
        var hidden = await access.HiddenRecordIdsAsync(user, datasets, cancellationToken);
        return await RunAsync(http, storage, audit, budget, configuration, request, new SearchScope(datasets, hidden, user.OutletId, user.UserId),
            new AuditSubject(AuditActions.RecordsSearched, id, AuditTargets.Investigation, id.ToString()), cancellationToken);
    }

    private static async Task<Results<Ok<SearchPage>, NotFound<ProblemDetails>, BadRequest<ProblemDetails>, ProblemHttpResult>> RunAsync(
        HttpContext http, StorageSettings storage, AuditLog audit, ReadBudget budget, IConfiguration configuration, RecordSearchRequest request, SearchScope scope, AuditSubject subject,
        CancellationToken cancellationToken)
    {
        var sql = new RecordSearchSql(storage.Schema);
        await using var connection = await OpenAsync(storage, cancellationToken);
        var countLimit = configuration.GetValue("Search:CountLimit", RecordSearchQueries.DefaultCountLimit);
        var surelyDense = configuration.GetValue("Search:SurelyDense", RecordSearchQueries.DefaultSurelyDense);
        var queries = new RecordSearchQueries(sql, request, scope, countLimit, surelyDense);
        if (!await queries.HasWordsAsync(connection, cancellationToken))
        {
            return Problems.BadRequest("Invalid search", "q holds no word to search for.");
        }
        Task<(long, bool, SearchFacets)>? countedBeside = null;
        if (await queries.CountsBesidePageAsync(connection, cancellationToken))
        {
            // Counts the page cannot give (a frequent word's, or those beside a country or dataset filter) run on a
            // second connection while this one fetches the page and its highlights.
            countedBeside = FacetsBesideAsync(storage, queries.CountsBeside(), cancellationToken);
        }
        List<SearchRow> page;
        Dictionary<Guid, List<SearchHighlight>> highlights;
        try
        {
            page = scope.DatasetIds.Length == 0 ? [] : await queries.PageAsync(connection, cancellationToken, countsBeside: countedBeside is not null);
            highlights = request.Q is null ? [] : await TextHighlightsAsync(connection, sql, page.Take(request.Limit).Select(r => r.Record.Id).ToArray(), request.Q, cancellationToken);
        }
        catch when (countedBeside is not null)
        {
            // Not left running unobserved when the page fails.
            await Task.WhenAny(countedBeside);
            throw;
        }
        var items = page.Take(request.Limit).ToList();
        var results = items.Select(r => new SearchResult(r.Record, [.. highlights.GetValueOrDefault(r.Record.Id, []), .. PhoneHighlight(r.Record, request.Digits)])).ToList();
        long? total = null;
        var lowerBound = false;
        SearchFacets? facets = null;
        if (countedBeside is not null)
        {
            (total, lowerBound, facets) = await countedBeside;
        }
        else if (request.WithFacets)
        {
            (total, lowerBound, facets) = scope.DatasetIds.Length == 0
                ? (0, false, new SearchFacets([], [], [], [], []))
                : await queries.FacetsAsync(connection, cancellationToken);
        }
        var next = page.Count > request.Limit ? queries.CursorAfter(items[^1]).Encode() : null;
        if (await budget.ChargeAsync(http, subject.InvestigationId!.Value, items.Count, cancellationToken) is { } exhausted)
        {
            return exhausted;
        }

        await audit.RecordAsync(http, subject with { Detail = request.Describe(total, lowerBound) }, cancellationToken);
        return TypedResults.Ok(new SearchPage(results, total, next, facets, lowerBound));
    }

    /// <summary>A connection with the search's session settings.</summary>
    /// <remarks>
    /// No JIT (it costs more than it saves here) and a work_mem that keeps a common word's bitmap exact, as start-up
    /// options of a pool of its own, so no request spends a round trip on them (decision 0013, "Search connections").
    /// </remarks>
    internal static async Task<NpgsqlConnection> OpenAsync(StorageSettings storage, CancellationToken cancellationToken)
    {
        var connectionString = SearchConnectionStrings.GetOrAdd(storage.SearchConnectionString, plain =>
        {
            var builder = new NpgsqlConnectionStringBuilder(plain);
            builder.Options = $"{builder.Options} -c jit=off -c work_mem=32MB".Trim();
            return builder.ConnectionString;
        });
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> SearchConnectionStrings = new();

    /// <summary>The counts of a search on a connection of their own, beside the page on the request's.</summary>
    private static async Task<(long, bool, SearchFacets)> FacetsBesideAsync(StorageSettings storage, RecordSearchQueries queries, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(storage, cancellationToken);
        return await queries.FacetsAsync(connection, cancellationToken);
    }

    /// <summary>
    /// The digits of a phone search, without a leading international prefix (00) or national trunk prefix (0), which
    /// E.164 numbers do not hold: "0044 7700 900123" and "07700 900123" then find +447700900123. Dropping leading
    /// digits only widens a substring search, so nothing that should match is lost.
    /// </summary>
    public static string SearchDigits(string phone)
    {
        var digits = PhoneNumbers.DigitsOf(phone);
        return digits.StartsWith("00", StringComparison.Ordinal) ? digits[2..] : digits.StartsWith('0') ? digits[1..] : digits;
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
}
