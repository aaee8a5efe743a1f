using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Consortium.Server.Tests.Platform;

/// <summary>Issue 17: answers carrying record data are not kept by caches; the API reference is under the app's content policy.</summary>
[Collection(PlatformCollection.Name)]
public sealed class ResponseHeaderTests(ConsortiumServer server) : ServerTest(server)
{
    private const string AppPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    [Fact]
    public async Task Record_data_and_the_API_description_are_answered_with_no_store()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n");
        var tom = Server.ClientFor("tom@bravo");
        var record = (await tom.ListRecordsAsync(dataset.Id)).Items[0];

        foreach (var path in new[] { $"api/datasets/{dataset.Id}/records", $"api/records/{record.Id}", $"api/datasets/{dataset.Id}/search?phone=900001",
                     $"api/records/{record.Id}/annotations", $"api/investigations/{investigation.Id}/changes", $"api/records/{Guid.NewGuid()}" })
        {
            using var response = await tom.SendAsync(new HttpRequestMessage(HttpMethod.Get, path));
            Assert.True(response.Headers.CacheControl?.NoStore == true, $"{path} answered {(int)response.StatusCode} without no-store");
        }
        using var description = await Server.AnonymousClient().GetAsync("/openapi/v1.json");
        Assert.True(description.Headers.CacheControl?.NoStore == true);
        Assert.Equal(AppPolicy, string.Join(",", description.Headers.GetValues("Content-Security-Policy")));
    }

    [Fact]
    public async Task API_reference_page_reaches_no_other_host_and_runs_no_inline_script_but_its_own_by_hash()
    {
        using var response = await Server.AnonymousClient().GetAsync("/scalar");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var policy = string.Join(",", response.Headers.GetValues("Content-Security-Policy"));
        var directives = policy.Split(';', StringSplitOptions.TrimEntries).ToDictionary(d => d.Split(' ')[0], d => d);

        foreach (var name in new[] { "default-src", "img-src", "font-src", "connect-src", "object-src", "base-uri", "form-action", "frame-ancestors" })
        {
            Assert.Equal(AppPolicy.Split(';', StringSplitOptions.TrimEntries).Single(d => d.StartsWith(name + " ", StringComparison.Ordinal)), directives[name]);
        }
        Assert.DoesNotContain("unsafe", directives["script-src"], StringComparison.Ordinal);
        var html = await response.Content.ReadAsStringAsync();
        var inline = Regex.Matches(html, "<script(?![^>]*\\bsrc=)[^>]*>(.*?)</script>", RegexOptions.Singleline);
        Assert.NotEmpty(inline);
        Assert.All(inline, m => Assert.Contains($"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(m.Groups[1].Value)))}'", directives["script-src"], StringComparison.Ordinal));
    }
}
