using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections.Client;
using Microsoft.AspNetCore.SignalR.Client;

namespace Consortium.Client;

/// <summary>
/// Typed access to a Consortium server's HTTP API and live hub. <paramref name="accessToken"/> supplies a bearer
/// token for every request and hub connection (see <see cref="ClientCredentialsTokens"/> for a sync client's);
/// without it, the <see cref="HttpClient"/>'s own headers or cookies authenticate.
/// </summary>
public sealed partial class ConsortiumClient(HttpClient http, Func<CancellationToken, Task<string?>>? accessToken = null)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>A client for a partner's sync client, signing in with client credentials against the server's token endpoint.</summary>
    public static ConsortiumClient ForSyncClient(Uri server, string clientId, string clientSecret)
    {
        var http = new HttpClient { BaseAddress = server };
        return new ConsortiumClient(http, new ClientCredentialsTokens(http, clientId, clientSecret).GetAsync);
    }

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
    public Task<ImportResult> ImportCsvAsync(Guid datasetId, Stream csv, CancellationToken cancellationToken = default) =>
        ImportAsync(datasetId, csv, "text/csv", cancellationToken);

    /// <summary>Imports JSON Lines (one object per line, keys are columns) into a dataset.</summary>
    public Task<ImportResult> ImportJsonLinesAsync(Guid datasetId, Stream jsonLines, CancellationToken cancellationToken = default) =>
        ImportAsync(datasetId, jsonLines, "application/x-ndjson", cancellationToken);

    /// <summary>Imports the first worksheet of an Excel workbook (XLSX, first row names the columns) into a dataset; rows with formulas are rejected.</summary>
    public Task<ImportResult> ImportXlsxAsync(Guid datasetId, Stream xlsx, CancellationToken cancellationToken = default) =>
        ImportAsync(datasetId, xlsx, XlsxMediaType, cancellationToken);

    /// <summary>The media type of an Excel workbook (XLSX).</summary>
    public const string XlsxMediaType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    /// <summary>
    /// Imports a file of <paramref name="mediaType"/> (<c>text/csv</c>, <c>application/x-ndjson</c>, <see cref="XlsxMediaType"/>) into a dataset
    /// and waits until the server has imported it. Valid rows are stored batch by batch, rows already in the dataset are counted as duplicates.
    /// </summary>
    public async Task<ImportResult> ImportAsync(Guid datasetId, Stream file, string mediaType, CancellationToken cancellationToken = default) =>
        (await UploadImportAsync(datasetId, file, mediaType, wait: true, cancellationToken)).ToResult();

    /// <summary>
    /// Uploads a file for import and returns its job at once (queued); follow it with <see cref="GetImportAsync"/> or the hub's
    /// <c>ImportProgress</c> push, stop it with <see cref="CancelImportAsync"/>. <paramref name="wait"/> returns only when the job has finished.
    /// </summary>
    public async Task<ImportJobView> UploadImportAsync(Guid datasetId, Stream file, string mediaType, bool wait = false, CancellationToken cancellationToken = default)
    {
        using var content = new StreamContent(file, 64 * 1024);
        content.Headers.ContentType = mediaType == XlsxMediaType ? new(mediaType) : new(mediaType) { CharSet = "utf-8" };
        if (file.CanSeek)
        {
            content.Headers.ContentLength = file.Length - file.Position;
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/datasets/{datasetId}/imports{(wait ? "?wait=true" : "")}") { Content = content };
        // The server may refuse before reading the body (too large, no access): it then answers at once, without the upload.
        request.Headers.ExpectContinue = file.CanSeek;
        using var response = await SendAsync(request, cancellationToken);
        return await ReadAsync<ImportJobView>(response, cancellationToken);
    }

    /// <summary>An import job of a dataset: its state, counts, checkpoint and error report.</summary>
    public Task<ImportJobView> GetImportAsync(Guid datasetId, Guid jobId, CancellationToken cancellationToken = default) =>
        GetAsync<ImportJobView>($"api/datasets/{datasetId}/imports/{jobId}", cancellationToken);

    /// <summary>A dataset's import jobs, newest first.</summary>
    public Task<IReadOnlyList<ImportJobView>> ListImportsAsync(Guid datasetId, CancellationToken cancellationToken = default) =>
        GetAsync<IReadOnlyList<ImportJobView>>($"api/datasets/{datasetId}/imports", cancellationToken);

    /// <summary>Asks a queued or running import to stop after the batch it is writing.</summary>
    public async Task<ImportJobView> CancelImportAsync(Guid datasetId, Guid jobId, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/datasets/{datasetId}/imports/{jobId}/cancel");
        using var response = await SendAsync(request, cancellationToken);
        return await ReadAsync<ImportJobView>(response, cancellationToken);
    }

    /// <summary>Continues a cancelled or failed import after its last committed row; <paramref name="wait"/> returns when it has finished.</summary>
    public async Task<ImportJobView> ResumeImportAsync(Guid datasetId, Guid jobId, bool wait = false, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/datasets/{datasetId}/imports/{jobId}/resume{(wait ? "?wait=true" : "")}");
        using var response = await SendAsync(request, cancellationToken);
        return await ReadAsync<ImportJobView>(response, cancellationToken);
    }

    /// <summary>Current members of an investigation.</summary>
    public Task<IReadOnlyList<MemberView>> ListMembersAsync(Guid investigationId, CancellationToken cancellationToken = default) =>
        GetAsync<IReadOnlyList<MemberView>>($"api/investigations/{investigationId}/members", cancellationToken);

    /// <summary>Adds a person to an investigation (coordinators only).</summary>
    public Task<MemberView> AddMemberAsync(Guid investigationId, NewMember member, CancellationToken cancellationToken = default) =>
        PostAsync<MemberView>($"api/investigations/{investigationId}/members", member, cancellationToken);

    /// <summary>Changes a member's role or expiry (coordinators only).</summary>
    public Task<MemberView> ChangeMemberAsync(Guid investigationId, string userId, MemberChange change, CancellationToken cancellationToken = default) =>
        SendJsonAsync<MemberView>(HttpMethod.Put, $"api/investigations/{investigationId}/members/{Uri.EscapeDataString(userId)}", change, cancellationToken);

    /// <summary>Removes a person from an investigation (coordinators only); their access ends at once.</summary>
    public async Task RemoveMemberAsync(Guid investigationId, string userId, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"api/investigations/{investigationId}/members/{Uri.EscapeDataString(userId)}");
        using var response = await SendAsync(request, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
    }

    /// <summary>Sets which member outlets see a dataset (null: all); coordinators only.</summary>
    public Task<DatasetView> SetCompartmentAsync(Guid datasetId, OutletRestriction compartment, CancellationToken cancellationToken = default) =>
        SendJsonAsync<DatasetView>(HttpMethod.Put, $"api/datasets/{datasetId}/compartment", compartment, cancellationToken);

    /// <summary>Restricts one record to named member outlets (null lifts it); coordinators only.</summary>
    public Task<OutletRestriction> SetRecordRestrictionAsync(Guid recordId, OutletRestriction restriction, CancellationToken cancellationToken = default) =>
        SendJsonAsync<OutletRestriction>(HttpMethod.Put, $"api/records/{recordId}/restriction", restriction, cancellationToken);

    /// <summary>The outlets a record is restricted to (null outlet ids: not restricted); anyone who sees the record may ask.</summary>
    public Task<OutletRestriction> GetRecordRestrictionAsync(Guid recordId, CancellationToken cancellationToken = default) =>
        GetAsync<OutletRestriction>($"api/records/{recordId}/restriction", cancellationToken);

    /// <summary>Accounts of the caller's outlet (outlet administrators only).</summary>
    public Task<IReadOnlyList<AccountView>> ListOutletAccountsAsync(CancellationToken cancellationToken = default) =>
        GetAsync<IReadOnlyList<AccountView>>("api/outlet/accounts", cancellationToken);

    /// <summary>Invites a colleague; the answer holds the one-time link to pass on to them.</summary>
    public Task<Invitation> InviteAccountAsync(NewAccount account, CancellationToken cancellationToken = default) =>
        PostAsync<Invitation>("api/outlet/accounts", account, cancellationToken);

    /// <summary>Disables an account of the caller's outlet: its sessions, tokens and live connections end at once.</summary>
    public async Task DisableAccountAsync(string accountId, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/outlet/accounts/{Uri.EscapeDataString(accountId)}/disable");
        using var response = await SendAsync(request, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
    }

    /// <summary>Registers a sync client for the caller's outlet; the secret in the answer is shown only once.</summary>
    public Task<SyncClientCredentials> RegisterSyncClientAsync(NewSyncClient client, CancellationToken cancellationToken = default) =>
        PostAsync<SyncClientCredentials>("api/outlet/clients", client, cancellationToken);

    /// <summary>A page of a dataset's records in row order, after row <paramref name="after"/>; <paramref name="phoneDigits"/> filters by any run of digits of the number.</summary>
    public Task<RecordPage> ListRecordsAsync(Guid datasetId, long after = 0, int limit = 100, string? phoneDigits = null, CancellationToken cancellationToken = default) =>
        GetAsync<RecordPage>($"api/datasets/{datasetId}/records?after={after}&limit={limit}" + (phoneDigits is null ? "" : $"&q={Uri.EscapeDataString(phoneDigits)}"), cancellationToken);

    /// <summary>
    /// Searches a dataset's records: <paramref name="q"/> is full text over every value (words in any order, or a
    /// "quoted phrase"), <paramref name="phone"/> any run of a number's digits, <paramref name="country"/> an ISO code.
    /// </summary>
    public Task<SearchPage> SearchAsync(Guid datasetId, string? q = null, string? phone = null, string? country = null, string? after = null, int limit = 100, CancellationToken cancellationToken = default) =>
        SearchAsync(datasetId, new SearchQuery(q, phone, country), after, limit, cancellationToken: cancellationToken);

    /// <summary>
    /// Searches a dataset's records with every filter and sort of <paramref name="query"/>. Pass the previous page's
    /// <see cref="SearchPage.Next"/> as <paramref name="after"/> with the same query to page on; <paramref name="facets"/>
    /// false leaves out the counts (cheaper when paging on).
    /// </summary>
    public Task<SearchPage> SearchAsync(Guid datasetId, SearchQuery query, string? after = null, int limit = 100, bool facets = true, CancellationToken cancellationToken = default) =>
        GetAsync<SearchPage>(SearchPath($"api/datasets/{datasetId}/search", query, after, limit, facets), cancellationToken);

    /// <summary>Searches every dataset of an investigation that the caller's outlet sees, like <see cref="SearchAsync(Guid, SearchQuery, string?, int, bool, CancellationToken)"/>.</summary>
    public Task<SearchPage> SearchInvestigationAsync(Guid investigationId, SearchQuery query, string? after = null, int limit = 100, bool facets = true, CancellationToken cancellationToken = default) =>
        GetAsync<SearchPage>(SearchPath($"api/investigations/{investigationId}/search", query, after, limit, facets), cancellationToken);

    private static string SearchPath(string path, SearchQuery query, string? after, int limit, bool facets)
    {
        var text = new StringBuilder($"{path}?limit={limit}");
        foreach (var (name, value) in new[]
        {
            ("q", query.Q), ("phone", query.Phone), ("country", query.Country), ("dataset", query.Dataset?.ToString()),
            ("verification", query.Verification), ("tag", query.Tag), ("annotated", query.Annotated is { } a ? (a ? "true" : "false") : null),
            ("from", query.From?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)),
            ("to", query.To?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)),
            ("sort", query.Sort), ("order", query.Descending ? "desc" : null), ("after", after), ("facets", facets ? null : "false"),
        })
        {
            if (value is not null)
            {
                text.Append('&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
            }
        }
        return text.ToString();
    }

    /// <summary>One record.</summary>
    public Task<RecordView> GetRecordAsync(Guid recordId, CancellationToken cancellationToken = default) =>
        GetAsync<RecordView>($"api/records/{recordId}", cancellationToken);

    /// <summary>
    /// The people of the caller's own outlet who read a record in the last 14 days, newest first, at most 20
    /// (the caller included). Not itself recorded as a read of the record.
    /// </summary>
    public Task<IReadOnlyList<RecentViewerView>> ListRecentViewersAsync(Guid recordId, CancellationToken cancellationToken = default) =>
        GetAsync<IReadOnlyList<RecentViewerView>>($"api/records/{recordId}/viewers", cancellationToken);

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
    /// <c>connection.On&lt;IReadOnlyList&lt;AnnotationPush&gt;&gt;(nameof(IConsortiumClient.AnnotationsPushed), ...)</c>, then start it.
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
                // Straight to the WebSocket, without SignalR's negotiate request: behind a load balancer without sticky
                // sessions the negotiate and the connect could reach two different nodes (decision 0029).
                options.SkipNegotiation = true;
                options.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets;
                if (accessToken is not null)
                {
                    // Asked again on every reconnect, so a refreshed token is used and a revoked one fails.
                    options.AccessTokenProvider = () => accessToken(CancellationToken.None);
                }
                configure?.Invoke(options);
            })
            .WithAutomaticReconnect()
            // Used only when the server allows it (off by default, decision 0019): a dropped transport then resumes with the
            // messages in flight replayed. Either way a client must join again after a reconnect on a new connection
            // and catch up from the changes feed (LiveAnnotations does).
            .WithStatefulReconnect()
            .Build();
    }

    private async Task<T> GetAsync<T>(string path, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        // Read as it arrives rather than buffered whole first: a feed page is about a megabyte, and a buffer that size per
        // page is a large-object allocation (and a gen-2 collection) per page in the partner's process.
        using var response = await SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        return await ReadAsync<T>(response, cancellationToken);
    }

    private Task<T> PostAsync<T>(string path, object body, CancellationToken cancellationToken) => SendJsonAsync<T>(HttpMethod.Post, path, body, cancellationToken);

    private async Task<T> SendJsonAsync<T>(HttpMethod method, string path, object body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body, body.GetType(), options: Json) };
        using var response = await SendAsync(request, cancellationToken);
        return await ReadAsync<T>(response, cancellationToken);
    }

    /// <summary>Sends a request with the caller's bearer token, when there is a token provider.</summary>
    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken = default) =>
        SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);

    /// <summary>
    /// Sends a request with the caller's bearer token, when there is a token provider; with
    /// <see cref="HttpCompletionOption.ResponseHeadersRead"/> the body is read as the caller reads it (dispose the response).
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken = default)
    {
        if (accessToken is not null && await accessToken(cancellationToken) is { } token)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
        return await http.SendAsync(request, completion, cancellationToken);
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw await ConsortiumProblemException.FromAsync(response, cancellationToken);
        }
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await EnsureSuccessAsync(response, cancellationToken);
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
