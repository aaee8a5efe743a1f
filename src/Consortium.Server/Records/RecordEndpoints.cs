using System.Text;
using Consortium.Client;
using Consortium.Server.Access;
using Consortium.Server.Audit;
using Consortium.Server.Hosting;
using Consortium.Server.Identity;
using Consortium.Server.Storage;
using Marten;
using JasperFx;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Consortium.Server.Records;

public static class RecordEndpoints
{
    private const int MaxPageSize = 500;

    public static IEndpointRouteBuilder MapRecords(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("Datasets and records").RequireAuthorization();
        group.MapGet("/investigations/{investigationId:guid}/datasets", ListDatasets);
        group.MapPost("/investigations/{investigationId:guid}/datasets", CreateDataset);
        group.MapGet("/datasets/{id:guid}", GetDataset);
        group.MapImports();
        group.MapGet("/datasets/{id:guid}/records", ListRecords);
        group.MapGet("/records/{id:guid}", GetRecord);
        group.MapGet("/records/{id:guid}/viewers", ListRecentViewers);
        group.MapExport();
        group.MapRecordSearch();
        group.MapRecordCharts();
        return app;
    }

    private static async Task<Results<Ok<List<DatasetView>>, NotFound<ProblemDetails>>> ListDatasets(
        Guid investigationId, HttpContext http, AccessPolicy access, IQuerySession session, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        if (await access.InvestigationAsync(user, investigationId, cancellationToken) is null)
        {
            return Problems.NotFound("investigation");
        }
        var datasets = await session.Query<Dataset>().Where(d => d.InvestigationId == investigationId).OrderBy(d => d.Name).ToListAsync(cancellationToken);
        return TypedResults.Ok(datasets.Where(d => AccessPolicy.CanSee(user, d)).Select(d => d.ToView()).ToList());
    }

    private static async Task<Results<Created<DatasetView>, NotFound<ProblemDetails>, ValidationProblem, ProblemHttpResult>> CreateDataset(
        Guid investigationId, NewDataset request, HttpContext http, AccessPolicy access, IDocumentSession session, TimeProvider clock, AuditLog audit, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        if (await access.InvestigationAsync(user, investigationId, cancellationToken) is not { } granted)
        {
            return Problems.NotFound("investigation");
        }
        if (!Permissions.CanManageData(granted.Role))
        {
            return Problems.Forbidden("Coordinators and editors add datasets.");
        }
        var investigation = granted.Item;
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200)
        {
            errors["name"] = ["A name of 1 to 200 characters is required."];
        }
        string[]? compartment = null;
        if (request.SharedWithOutletIds is { } shared)
        {
            // The creator's outlet is always inside the compartment it creates, or it would lose sight of its own upload.
            compartment = shared.Append(user.OutletId).Distinct(StringComparer.Ordinal).ToArray();
            var outsiders = compartment.Where(o => !investigation.HasMember(o)).ToArray();
            if (outsiders.Length > 0)
            {
                errors["sharedWithOutletIds"] = [$"Only member outlets can be in a compartment; not members: {string.Join(", ", outsiders)}."];
            }
        }
        IReadOnlyList<DatasetColumn>? schema = null;
        if (request.Schema is { } declared)
        {
            if (DatasetSchema.Validate(declared) is { } invalid)
            {
                errors["schema"] = [invalid];
            }
            schema = declared.Select(c => c with { Name = c.Name?.Trim() ?? "" }).ToArray();
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        // A declared schema fixes the columns (and their order in files) now; otherwise the first file does.
        var dataset = new Dataset(Guid.CreateVersion7(), investigationId, request.Name.Trim(), request.Description?.Trim() ?? "", compartment,
            schema?.Select(c => c.Name).ToArray() ?? [], 0, clock.GetUtcNow(), schema);
        session.Store(dataset);
        await audit.SaveChangesWithEntryAsync(session, http, new AuditSubject(AuditActions.DatasetCreated, investigationId, AuditTargets.Dataset, dataset.Id.ToString(),
            $"{dataset.Name}; shared with {(compartment is null ? "all members" : string.Join(", ", compartment))}"), cancellationToken);
        return TypedResults.Created($"/api/datasets/{dataset.Id}", dataset.ToView());
    }

    private static async Task<Results<Ok<DatasetView>, NotFound<ProblemDetails>>> GetDataset(
        Guid id, HttpContext http, AccessPolicy access, CancellationToken cancellationToken)
    {
        var visible = await access.DatasetAsync(ConsortiumUser.From(http.User), id, cancellationToken);
        return visible is { } v ? TypedResults.Ok(v.Item.ToView()) : Problems.NotFound("dataset");
    }

    private static async Task<Results<Ok<RecordPage>, NotFound<ProblemDetails>, BadRequest<ProblemDetails>, ProblemHttpResult>> ListRecords(
        Guid id, HttpContext http, AccessPolicy access, IQuerySession session, AuditLog audit, ReadBudget budget, CancellationToken cancellationToken,
        long after = 0, int limit = 100, string? q = null)
    {
        if (limit is < 1 or > MaxPageSize)
        {
            return Problems.BadRequest("Invalid page size", $"limit must be between 1 and {MaxPageSize}.");
        }
        var user = ConsortiumUser.From(http.User);
        if (await access.DatasetAsync(user, id, cancellationToken) is not { } visible)
        {
            return Problems.NotFound("dataset");
        }
        var hidden = await access.HiddenRecordIdsAsync(user, id, cancellationToken);
        var query = session.Query<LeakedRecord>().Where(r => r.DatasetId == id && r.RowNumber > after);
        if (hidden.Length > 0)
        {
            query = query.Where(r => !r.Id.IsOneOf(hidden));
        }
        if (!string.IsNullOrWhiteSpace(q))
        {
            var digits = PhoneNumbers.DigitsOf(q);
            if (digits.Length == 0)
            {
                return Problems.BadRequest("Invalid search", "Search by the digits of a phone number.");
            }
            query = query.Where(r => r.PhoneDigits!.Contains(digits));
        }
        // One row more than asked tells whether a next page exists without a count over the whole dataset.
        var rows = await query.OrderBy(r => r.RowNumber).Take(limit + 1).ToListAsync(cancellationToken);
        var page = rows.Take(limit).Select(r => r.ToView()).ToList();
        var searched = !string.IsNullOrWhiteSpace(q);
        if (await budget.ChargeAsync(http, visible.Investigation.Id, page.Count, cancellationToken) is { } exhausted)
        {
            return exhausted;
        }
        await audit.RecordAsync(http, new AuditSubject(searched ? AuditActions.RecordsSearched : AuditActions.RecordsListed, visible.Investigation.Id, AuditTargets.Dataset, id.ToString(),
            searched ? q : $"{page.Count} records after row {after}"), cancellationToken);
        return TypedResults.Ok(new RecordPage(page, rows.Count > limit ? page[^1].RowNumber : null));
    }

    private static async Task<Results<Ok<RecordView>, NotFound<ProblemDetails>, ProblemHttpResult>> GetRecord(
        Guid id, HttpContext http, AccessPolicy access, AuditLog audit, ReadBudget budget, CancellationToken cancellationToken)
    {
        if (await access.RecordAsync(ConsortiumUser.From(http.User), id, cancellationToken) is not { } visible)
        {
            return Problems.NotFound("record");
        }
        if (await budget.ChargeAsync(http, visible.Item.Dataset.InvestigationId, 1, cancellationToken) is { } exhausted)
        {
            return exhausted;
        }
        await audit.RecordAsync(http, new AuditSubject(AuditActions.RecordRead, visible.Item.Dataset.InvestigationId, AuditTargets.Record, id.ToString()), cancellationToken);
        return TypedResults.Ok(visible.Item.Record.ToView());
    }

    private const int MaxRecentViewers = 20;
    private const int RecentViewerBatch = 200;
    private static readonly TimeSpan RecentViewersWindow = TimeSpan.FromDays(14);

    /// <summary>
    /// The people of the caller's own outlet who read the record in the last 14 days, newest first. Never other outlets:
    /// who else looks at a record would reveal another newsroom's interest in it.
    /// </summary>
    /// <remarks>
    /// Not audited as a record read: the answer carries no record data, only who of the caller's own outlet read it,
    /// which the caller's outlet already knows about itself; recording it would also make each look at the list show up
    /// as a view of the record. The access check is still the record's, so a record the caller cannot see is a 404.
    /// </remarks>
    private static async Task<Results<Ok<List<RecentViewerView>>, NotFound<ProblemDetails>>> ListRecentViewers(
        Guid id, HttpContext http, AccessPolicy access, IQuerySession session, TimeProvider clock, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        if (await access.RecordAsync(user, id, cancellationToken) is null)
        {
            return Problems.NotFound("record");
        }
        var targetId = id.ToString();
        var outletId = user.OutletId;
        var since = clock.GetUtcNow() - RecentViewersWindow;
        var viewers = new List<RecentViewerView>();
        long? before = null;
        // Newest reads first, in batches over the (target, outlet, index) index; people already found are left out of the
        // next batch, so someone who read the record a thousand times does not crowd out everyone else.
        while (viewers.Count < MaxRecentViewers)
        {
            var query = session.Query<AuditEntry>().Where(e =>
                e.TargetId == targetId && e.ActorOutletId == outletId && e.TargetType == AuditTargets.Record && e.Action == AuditActions.RecordRead && e.At >= since);
            if (before is { } cursor)
            {
                query = query.Where(e => e.Index < cursor);
            }
            if (viewers.Count > 0)
            {
                var seen = viewers.Select(v => v.UserId).ToArray();
                query = query.Where(e => !e.ActorUserId.IsOneOf(seen));
            }
            var rows = await query.OrderByDescending(e => e.Index).Take(RecentViewerBatch).ToListAsync(cancellationToken);
            foreach (var row in rows)
            {
                if (viewers.Count < MaxRecentViewers && viewers.All(v => v.UserId != row.ActorUserId))
                {
                    viewers.Add(new RecentViewerView(row.ActorUserId, row.ActorDisplayName, row.At));
                }
            }
            if (rows.Count < RecentViewerBatch)
            {
                break;
            }
            before = rows[^1].Index;
        }
        return TypedResults.Ok(viewers);
    }
}
