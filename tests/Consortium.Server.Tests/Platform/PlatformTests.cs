using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Consortium.Server.Tests.Platform;

[Collection(PlatformCollection.Name)]
public sealed class PlatformTests(ConsortiumServer server) : ServerTest(server)
{
    [Fact]
    public async Task Health_endpoint_reports_the_database_reachable_without_sign_in()
    {
        using var http = Server.AnonymousClient();
        using var response = await http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("X-Forwarded-For", "203.0.113.7")]
    [InlineData("Forwarded", "for=203.0.113.7;proto=https")]
    public async Task The_page_naming_every_node_and_what_it_leads_answers_the_node_itself_and_not_a_request_through_a_proxy(string header, string value)
    {
        using var http = Server.AnonymousClient();
        var direct = await http.GetFromJsonAsync<JsonElement>("/healthz/nodes");
        Assert.False(string.IsNullOrEmpty(direct.GetProperty("node").GetString()));
        Assert.True(direct.TryGetProperty("leaders", out _));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/healthz/nodes");
        request.Headers.TryAddWithoutValidation(header, value);
        using var proxied = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, proxied.StatusCode);
        Assert.DoesNotContain("leaders", await proxied.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task OpenAPI_document_describes_the_import_and_annotation_endpoints()
    {
        using var http = Server.AnonymousClient();
        using var document = JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json"));
        var paths = document.RootElement.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/datasets/{id}/imports", out _));
        Assert.True(paths.TryGetProperty("/api/records/{recordId}/annotations", out _));
    }

    [Fact]
    public async Task API_reference_page_is_served()
    {
        using var http = Server.AnonymousClient();
        using var response = await http.GetAsync("/scalar");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Consortium API", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/investigations")]
    [InlineData("/api/me")]
    [InlineData("/api/datasets/0194f3c2-0000-7000-8000-000000000000/records")]
    public async Task Caller_without_identity_gets_401_problem_details(string path)
    {
        using var http = Server.AnonymousClient();
        using var response = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("GET", "/api/datasets/0194f3c2-0000-7000-8000-000000000000/records", null, HttpStatusCode.NotFound)]
    [InlineData("GET", "/api/investigations/0194f3c2-0000-7000-8000-000000000000", null, HttpStatusCode.NotFound)]
    [InlineData("POST", "/api/investigations", "{\"name\": \"\", \"description\": \"\", \"memberOutletIds\": []}", HttpStatusCode.BadRequest)]
    public async Task Errors_of_signed_in_callers_are_labelled_as_problem_details(string method, string path, string? body, HttpStatusCode status)
    {
        // Clients dispatch on the media type RFC 7807 names, so a problem must say it is one, not plain JSON.
        using var http = Server.AnonymousClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Authorization = new("Bearer", await Server.Accounts.AccessTokenAsync("ines@alpha"));
        if (body is not null)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        }
        using var response = await http.SendAsync(request);
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal((int)status, problem.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.RootElement.GetProperty("title").GetString()));
    }

    [Theory]
    [InlineData("not-a-token")]
    [InlineData("eyJhbGciOiJub25lIn0.eyJzdWIiOiJtYWxsb3J5In0.")]
    public async Task Forged_or_garbage_bearer_token_is_refused(string token)
    {
        var error = await Assert.ThrowsAsync<ConsortiumProblemException>(() => Server.ClientWithToken(token).ListInvestigationsAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, error.Status);
    }

    [Fact]
    public async Task Signed_in_caller_sees_their_name_and_outlet()
    {
        var account = await Server.Accounts.AccountAsync("ines.duval@alpha");
        var me = await Server.ClientFor("ines.duval@alpha").GetMeAsync();
        Assert.Equal(new Me(account.Id, "Ines Duval", "alpha", "Alpha Gazette"), me);
    }

    [Fact]
    public async Task Pages_forbid_content_from_other_hosts()
    {
        using var http = Server.AnonymousClient();
        using var response = await http.GetAsync("/healthz");
        var policy = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("http", policy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Oversized_json_body_is_refused_with_problem_details_and_stores_nothing()
    {
        var alpha = Server.ClientFor("ines@alpha");
        var huge = new string('x', 2 * 1024 * 1024);
        // With its length declared and "Expect: 100-continue", the client sends the body only if the server asks for
        // it; a streamed body of unknown length was refused while still being written, and the client then saw a
        // broken pipe instead of the answer (once in CI).
        var body = JsonSerializer.Serialize(new NewInvestigation(huge, "", []), JsonSerializerOptions.Web);
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/investigations") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.ExpectContinue = true;
        using var response = await alpha.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(await alpha.ListInvestigationsAsync());
    }
}
