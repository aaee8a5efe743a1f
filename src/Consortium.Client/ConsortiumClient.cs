using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections.Client;
using Microsoft.AspNetCore.SignalR.Client;

namespace Consortium.Client;

/// <summary>
/// Typed access to a Consortium server's HTTP API and live hub. Authentication is whatever the given
/// <see cref="HttpClient"/> sends (its default request headers are also sent when connecting to the hub).
/// </summary>
public sealed class ConsortiumClient(HttpClient http)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The HTTP client in use; its <see cref="HttpClient.BaseAddress"/> is the server.</summary>
    public HttpClient Http => http;

    /// <summary>The signed-in caller.</summary>
    public Task<Me> GetMeAsync(CancellationToken cancellationToken = default) => GetAsync<Me>("api/me", cancellationToken);

    /// <summary>Investigations whose member outlets include the caller's.</summary>
    public Task<IReadOnlyList<InvestigationView>> ListInvestigationsAsync(CancellationToken cancellationToken = default) =>
        GetAsync<IReadOnlyList<InvestigationView>>("api/investigations", cancellationToken);

    /// <summary>Opens an investigation coordinated by the caller's outlet.</summary>
    public Task<InvestigationView> CreateInvestigationAsync(NewInvestigation investigation, CancellationToken cancellationToken = default) =>
        PostAsync<InvestigationView>("api/investigations", investigation, cancellationToken);

    /// <summary>One investigation.</summary>
    public Task<InvestigationView> GetInvestigationAsync(Guid id, CancellationToken cancellationToken = default) =>
        GetAsync<InvestigationView>($"api/investigations/{id}", cancellationToken);

    /// <summary>Datasets of an investigation that the caller's outlet may see.</summary>
    public Task<IReadOnlyList<DatasetView>> ListDatasetsAsync(Guid investigationId, CancellationToken cancellationToken = default) =>
        GetAsync<IReadOnlyList<DatasetView>>($"api/investigations/{investigationId}/datasets", cancellationToken);

    /// <summary>One dataset.</summary>
    public Task<DatasetView> GetDatasetAsync(Guid datasetId, CancellationToken cancellationToken = default) =>
        GetAsync<DatasetView>($"api/datasets/{datasetId}", cancellationToken);

    /// <summary>Adds a dataset to an investigation.</summary>
    public Task<DatasetView> CreateDatasetAsync(Guid investigationId, NewDataset dataset, CancellationToken cancellationToken = default) =>
        PostAsync<DatasetView>($"api/investigations/{investigationId}/datasets", dataset, cancellationToken);

    /// <summary>Imports CSV (header row first) into a dataset. Valid rows are stored in one transaction; invalid ones are reported.</summary>
    public async Task<ImportResult> ImportCsvAsync(Guid datasetId, Stream csv, CancellationToken cancellationToken = default)
    {
        using var content = new StreamContent(csv);
        content.Headers.ContentType = new("text/csv") { CharSet = "utf-8" };
        using var response = await http.PostAsync($"api/datasets/{datasetId}/imports", content, cancellationToken);
        return await ReadAsync<ImportResult>(response, cancellationToken);
    }

    /// <summary>A page of a dataset's records in row order, after row <paramref name="after"/>; <paramref name="phoneDigits"/> filters by any run of digits of the number.</summary>
    public Task<RecordPage> ListRecordsAsync(Guid datasetId, long after = 0, int limit = 100, string? phoneDigits = null, CancellationToken cancellationToken = default) =>
        GetAsync<RecordPage>($"api/datasets/{datasetId}/records?after={after}&limit={limit}" + (phoneDigits is null ? "" : $"&q={Uri.EscapeDataString(phoneDigits)}"), cancellationToken);

    /// <summary>One record.</summary>
    public Task<RecordView> GetRecordAsync(Guid recordId, CancellationToken cancellationToken = default) =>
        GetAsync<RecordView>($"api/records/{recordId}", cancellationToken);

    /// <summary>The annotations on a record that the caller may see, oldest first.</summary>
    public Task<IReadOnlyList<AnnotationView>> ListAnnotationsAsync(Guid recordId, CancellationToken cancellationToken = default) =>
        GetAsync<IReadOnlyList<AnnotationView>>($"api/records/{recordId}/annotations", cancellationToken);

    /// <summary>Adds a note to a record.</summary>
    public Task<AnnotationView> AddNoteAsync(Guid recordId, NewNote note, CancellationToken cancellationToken = default) =>
        PostAsync<AnnotationView>($"api/records/{recordId}/annotations", note, cancellationToken);

    /// <summary>
    /// A page of an investigation's audit log, newest first, for coordinators. Filters: <paramref name="action"/> (one of
    /// <see cref="AuditActions"/>), <paramref name="actor"/> (a user id), <paramref name="from"/> (inclusive) and
    /// <paramref name="to"/> (exclusive); <paramref name="after"/> is the <see cref="AuditPage.Next"/> of the previous page.
    /// </summary>
    public Task<AuditPage> ListAuditAsync(
        Guid investigationId, string? action = null, string? actor = null, DateTimeOffset? from = null, DateTimeOffset? to = null,
        long? after = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        var query = new List<string> { $"limit={limit}" };
        if (action is not null)
        {
            query.Add("action=" + Uri.EscapeDataString(action));
        }
        if (actor is not null)
        {
            query.Add("actor=" + Uri.EscapeDataString(actor));
        }
        if (from is { } f)
        {
            query.Add("from=" + Uri.EscapeDataString(f.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture)));
        }
        if (to is { } t)
        {
            query.Add("to=" + Uri.EscapeDataString(t.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture)));
        }
        if (after is { } a)
        {
            query.Add($"after={a}");
        }
        return GetAsync<AuditPage>($"api/investigations/{investigationId}/audit?{string.Join('&', query)}", cancellationToken);
    }

    /// <summary>
    /// A connection to the live hub (not yet started). Register handlers with
    /// <c>connection.On&lt;AnnotationView&gt;(nameof(IConsortiumClient.AnnotationAdded), ...)</c>, then start it.
    /// </summary>
    public HubConnection CreateHubConnection(Action<HttpConnectionOptions>? configure = null)
    {
        var hubUrl = new Uri(http.BaseAddress ?? throw new InvalidOperationException("The HttpClient needs a BaseAddress."), "hubs/consortium");
        return new HubConnectionBuilder()
            .WithUrl(hubUrl, options =>
            {
                foreach (var header in http.DefaultRequestHeaders)
                {
                    options.Headers[header.Key] = string.Join(",", header.Value);
                }
                configure?.Invoke(options);
            })
            .WithAutomaticReconnect()
            .Build();
    }

    private async Task<T> GetAsync<T>(string path, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(path, cancellationToken);
        return await ReadAsync<T>(response, cancellationToken);
    }

    private async Task<T> PostAsync<T>(string path, object body, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync(path, body, Json, cancellationToken);
        return await ReadAsync<T>(response, cancellationToken);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw await ConsortiumProblemException.FromAsync(response, cancellationToken);
        }
        return (await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken))!;
    }
}

/// <summary>The server answered with an error; <see cref="Title"/> and <see cref="Detail"/> come from its RFC 7807 problem details.</summary>
public sealed class ConsortiumProblemException(HttpStatusCode status, string title, string? detail)
    : Exception($"{(int)status} {title}{(detail is null ? "" : ": " + detail)}")
{
    /// <summary>HTTP status of the response.</summary>
    public HttpStatusCode Status { get; } = status;

    /// <summary>The problem's title.</summary>
    public string Title { get; } = title;

    /// <summary>The problem's detail, when given.</summary>
    public string? Detail { get; } = detail;

    internal static async Task<ConsortiumProblemException> FromAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string title = response.ReasonPhrase ?? "Error";
        string? detail = null;
        try
        {
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            if (document.RootElement.TryGetProperty("title", out var t) && t.GetString() is { } parsedTitle)
            {
                title = parsedTitle;
            }
            if (document.RootElement.TryGetProperty("detail", out var d))
            {
                detail = d.GetString();
            }
        }
        catch (JsonException)
        {
            // Not problem details (a proxy's page, say): the status line is all we have.
        }
        return new ConsortiumProblemException(response.StatusCode, title, detail);
    }
}
