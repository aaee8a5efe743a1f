namespace Consortium.Client;

public sealed partial class ConsortiumClient
{
    /// <summary>The pictures of a dataset search (counts by country, month and verification state) for the filters of <paramref name="query"/>.</summary>
    public Task<RecordCharts> ChartsAsync(Guid datasetId, SearchQuery query, CancellationToken cancellationToken = default) =>
        GetAsync<RecordCharts>(SearchPath($"api/datasets/{datasetId}/charts", query with { Sort = null, Descending = false }, null, 1, true), cancellationToken);

    /// <summary>The pictures of an investigation-wide search, over the datasets the caller's outlet sees.</summary>
    public Task<RecordCharts> InvestigationChartsAsync(Guid investigationId, SearchQuery query, CancellationToken cancellationToken = default) =>
        GetAsync<RecordCharts>(SearchPath($"api/investigations/{investigationId}/charts", query with { Sort = null, Descending = false }, null, 1, true), cancellationToken);
}
