using Consortium.Client;
using Consortium.Server.Access;
using Consortium.Server.Audit;
using Consortium.Server.Hosting;
using Consortium.Server.Identity;
using Consortium.Server.Storage;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Consortium.Server.Records;

/// <summary>The filters of a record search, without its sort and paging: what the pictures of a search follow.</summary>
public sealed class ChartParameters
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

    internal SearchParameters AsSearch() => new()
    {
        Q = Q, Phone = Phone, Country = Country, Dataset = Dataset, Verification = Verification, Tag = Tag, Annotated = Annotated, From = From, To = To,
    };
}

/// <summary>
/// The pictures of a record search (decision 0032): selected numbers per country, selections per month and the
/// verification funnel, counted in PostgreSQL by the search's own queries, for the same filters, scope and
/// visibility as its facets, so a picture never shows a number the facets would not.
/// </summary>
public static class ChartRecords
{
    public static RouteGroupBuilder MapRecordCharts(this RouteGroupBuilder group)
    {
        group.MapGet("/datasets/{id:guid}/charts", ChartDataset);
        group.MapGet("/investigations/{id:guid}/charts", ChartInvestigation);
        return group;
    }

    private static async Task<Results<Ok<RecordCharts>, NotFound<ProblemDetails>, BadRequest<ProblemDetails>>> ChartDataset(
        Guid id, [AsParameters] ChartParameters parameters, HttpContext http, AccessPolicy access, StorageSettings storage, AuditLog audit,
        IConfiguration configuration, CancellationToken cancellationToken)
    {
        var (request, problem) = RecordSearchRequest.Parse(parameters.AsSearch(), investigationWide: false);
        if (problem is not null)
        {
            return problem;
        }
        var user = ConsortiumUser.From(http.User);
        // The search's access rule, step for step (SearchRecords): the dataset as the caller may see it, then the
        // records restricted away from them.
        if (await access.DatasetAsync(user, id, cancellationToken) is not { } visible)
        {
            return Problems.NotFound("dataset");
        }
        var hidden = await access.HiddenRecordIdsAsync(user, id, cancellationToken);
        return await RunAsync(http, storage, audit, configuration, request!, new SearchScope([id], hidden, user.OutletId, user.UserId), [visible.Item],
            new AuditSubject(AuditActions.RecordsSearched, visible.Investigation.Id, AuditTargets.Dataset, id.ToString()), cancellationToken);
    }

    private static async Task<Results<Ok<RecordCharts>, NotFound<ProblemDetails>, BadRequest<ProblemDetails>>> ChartInvestigation(
        Guid id, [AsParameters] ChartParameters parameters, HttpContext http, AccessPolicy access, IQuerySession session, StorageSettings storage, AuditLog audit,
        IConfiguration configuration, CancellationToken cancellationToken)
    {
        var (request, problem) = RecordSearchRequest.Parse(parameters.AsSearch(), investigationWide: true);
        if (problem is not null)
        {
            return problem;
        }
        var user = ConsortiumUser.From(http.User);
        if (await access.InvestigationAsync(user, id, cancellationToken) is null)
        {
            return Problems.NotFound("investigation");
        }
        // Compartments: only the datasets the caller's outlet is inside of are counted (as in SearchRecords).
        var datasets = (await session.Query<Dataset>().Where(d => d.InvestigationId == id).ToListAsync(cancellationToken))
            .Where(d => AccessPolicy.CanSee(user, d)).ToList();
        var ids = datasets.Select(d => d.Id).ToArray();
        if (request!.Dataset is { } only && !ids.Contains(only))
        {
            return Problems.BadRequest("Unknown dataset", "dataset is not a dataset of this investigation that is shared with your outlet.");
        }
        var hidden = await access.HiddenRecordIdsAsync(user, ids, cancellationToken);
        return await RunAsync(http, storage, audit, configuration, request, new SearchScope(ids, hidden, user.OutletId, user.UserId),
            request.Dataset is { } one ? datasets.Where(d => d.Id == one).ToList() : datasets,
            new AuditSubject(AuditActions.RecordsSearched, id, AuditTargets.Investigation, id.ToString()), cancellationToken);
    }

    private static async Task<Results<Ok<RecordCharts>, NotFound<ProblemDetails>, BadRequest<ProblemDetails>>> RunAsync(
        HttpContext http, StorageSettings storage, AuditLog audit, IConfiguration configuration, RecordSearchRequest request, SearchScope scope,
        IReadOnlyList<Dataset> charted, AuditSubject subject, CancellationToken cancellationToken)
    {
        var withoutDate = charted.Where(d => !HasDateColumn(d)).Select(d => d.Id).ToList();
        if (scope.DatasetIds.Length == 0)
        {
            await audit.RecordAsync(http, subject with { Detail = "charts; " + request.Describe(0, paged: false) }, cancellationToken);
            return TypedResults.Ok(new RecordCharts(0, false, [], [], 0, withoutDate, Funnel([])));
        }
        var sql = new RecordSearchSql(storage.Schema);
        // The search's own connection settings (no JIT, its work_mem), so the same statements get the same plans.
        await using var connection = await SearchRecords.OpenAsync(storage, cancellationToken);
        var queries = new RecordSearchQueries(sql, request with { WithFacets = true }, scope,
            configuration.GetValue("Search:CountLimit", RecordSearchQueries.DefaultCountLimit),
            configuration.GetValue("Search:SurelyDense", RecordSearchQueries.DefaultSurelyDense));
        if (!await queries.HasWordsAsync(connection, cancellationToken))
        {
            return Problems.BadRequest("Invalid search", "q holds no word to search for.");
        }
        // The facets themselves: the map is the country facet and the funnel the verdict facet, so they cannot differ.
        var (total, lowerBound, facets) = await queries.FacetsAsync(connection, cancellationToken);
        var (months, monthsBounded) = await queries.MonthsAsync(connection, cancellationToken);
        await audit.RecordAsync(http, subject with { Detail = "charts; " + request.Describe(total, lowerBound, paged: false) }, cancellationToken);
        return TypedResults.Ok(new RecordCharts(
            total,
            lowerBound,
            facets.Countries,
            months.Where(m => m.Month.Length > 0).OrderBy(m => m.Month, StringComparer.Ordinal).Select(m => new MonthCount(m.Month, m.Count, monthsBounded)).ToList(),
            months.Where(m => m.Month.Length == 0).Sum(m => m.Count),
            withoutDate,
            Funnel(facets.VerificationStates)));
    }

    /// <summary>The verdict facet in the order of the states (each one, zeros included), then the records without a verdict.</summary>
    internal static List<FacetCount> Funnel(IReadOnlyList<FacetCount> verdicts)
    {
        var byState = verdicts.Where(v => v.Value is not null).ToDictionary(v => v.Value!, StringComparer.Ordinal);
        var funnel = VerificationStates.All.Select(s => byState.GetValueOrDefault(s) ?? new FacetCount(s, 0)).ToList();
        // A state this server no longer knows (data from an older version) is still counted, after the known ones.
        funnel.AddRange(verdicts.Where(v => v.Value is not null && !VerificationStates.All.Contains(v.Value)));
        funnel.Add(verdicts.FirstOrDefault(v => v.Value is null) ?? new FacetCount(null, 0));
        return funnel;
    }

    /// <summary>Whether records of the dataset have a date: a date column declared, or (no schema) inferred from the header as at import.</summary>
    private static bool HasDateColumn(Dataset dataset) =>
        (dataset.Schema ?? DatasetSchema.Infer(dataset.Columns)).Any(c => c.Kind == ColumnKinds.Date);
}
