using System.Net;
using System.Text;
using Microsoft.AspNetCore.SignalR.Client;

namespace Consortium.Server.Tests.Access;

/// <summary>
/// Issue 17, items 6 and 8: what a hostile member sends that the server must refuse without storing anything, and
/// answers that must not tell whether another party's object exists.
/// </summary>
[Collection(AccessCollection.Name)]
public sealed class HostileInputTests(ConsortiumServer server) : ServerTest(server)
{
    private const string TwoNumbers = "phone,country\n07700 900001,GB\n07700 900002,GB\n";

    private static HttpRequestMessage Json(HttpMethod method, string path, string json) =>
        new(method, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    private static async Task AssertBadRequestProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("99")]
    [InlineData("\"99\"")]
    [InlineData("2")]
    [InlineData("\"reporter, read-only\"")]
    [InlineData("\"overlord\"")]
    public async Task Changing_a_members_role_to_an_undeclared_value_is_400_and_changes_nothing(string role)
    {
        var (investigation, _) = await GivenInvestigationWithDatasetAsync(TwoNumbers);
        var coordinator = Server.ClientFor("ines@alpha");
        var tom = await Server.Accounts.AccountAsync("tom@bravo");

        using var response = await coordinator.SendAsync(Json(HttpMethod.Put, $"api/investigations/{investigation.Id}/members/{tom.Id}", $$"""{"role": {{role}}}"""));

        await AssertBadRequestProblemAsync(response);
        Assert.Equal(InvestigationRole.Reporter, Assert.Single(await coordinator.ListMembersAsync(investigation.Id), m => m.UserId == tom.Id).Role);
    }

    [Fact]
    public async Task Adding_a_member_or_an_annotation_with_an_undeclared_enum_value_is_400_and_stores_nothing()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync(TwoNumbers);
        var coordinator = Server.ClientFor("ines@alpha");
        var record = (await coordinator.ListRecordsAsync(dataset.Id)).Items[0];
        var newcomer = await Server.Accounts.AccountAsync("nina@bravo");

        using (var response = await coordinator.SendAsync(Json(HttpMethod.Post, $"api/investigations/{investigation.Id}/members", $$"""{"email": "{{newcomer.Email}}", "role": 99}""")))
        {
            await AssertBadRequestProblemAsync(response);
        }
        using (var response = await coordinator.SendAsync(Json(HttpMethod.Post, $"api/records/{record.Id}/annotations", """{"kind": "note", "text": "x", "visibility": 7}""")))
        {
            await AssertBadRequestProblemAsync(response);
        }
        using (var response = await coordinator.SendAsync(Json(HttpMethod.Post, $"api/records/{record.Id}/annotations", """{"kind": "note", "text": "x", "visibility": "outlet, private"}""")))
        {
            await AssertBadRequestProblemAsync(response);
        }

        Assert.DoesNotContain(await coordinator.ListMembersAsync(investigation.Id), m => m.UserId == newcomer.Id);
        Assert.Empty(await coordinator.ListAnnotationsAsync(record.Id));
    }

    [Fact]
    public async Task The_API_description_still_names_each_enums_values_as_the_wire_holds_them()
    {
        using var document = System.Text.Json.JsonDocument.Parse(await Server.AnonymousClient().GetStringAsync("/openapi/v1.json"));
        var enums = new List<string[]>();
        void Walk(System.Text.Json.JsonElement element)
        {
            if (element.ValueKind == System.Text.Json.JsonValueKind.Object)
            {
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name == "enum" && property.Value.ValueKind == System.Text.Json.JsonValueKind.Array)
                    {
                        enums.Add([.. property.Value.EnumerateArray().Select(v => v.ToString())]);
                    }
                    Walk(property.Value);
                }
            }
            else if (element.ValueKind == System.Text.Json.JsonValueKind.Array)
            {
                foreach (var item in element.EnumerateArray())
                {
                    Walk(item);
                }
            }
        }
        Walk(document.RootElement);

        Assert.Contains(enums, e => e.SequenceEqual(["coordinator", "editor", "reporter", "analyst", "read-only"]));
        Assert.Contains(enums, e => e.SequenceEqual(["consortium", "outlet", "private", "partners"]));
    }

    [Fact]
    public async Task Adding_a_member_answers_alike_for_no_account_and_for_an_outlet_outside_the_investigation()
    {
        var (investigation, _) = await GivenInvestigationWithDatasetAsync(TwoNumbers);
        var coordinator = Server.ClientFor("ines@alpha");
        var outsider = await Server.Accounts.AccountAsync("olga@charlie");

        async Task<(HttpStatusCode, string)> AddAsync(string email)
        {
            using var response = await coordinator.SendAsync(Json(HttpMethod.Post, $"api/investigations/{investigation.Id}/members", $$"""{"email": "{{email}}", "role": "reporter"}"""));
            // The trace id differs per request; everything else must not.
            var body = System.Text.RegularExpressions.Regex.Replace(await response.Content.ReadAsStringAsync(), "\"traceId\":\"[^\"]*\"", "");
            return (response.StatusCode, body);
        }

        var existing = await AddAsync(outsider.Email);
        var missing = await AddAsync("nobody-at-all@charlie.test");

        Assert.Equal(HttpStatusCode.BadRequest, existing.Item1);
        Assert.Equal(existing, missing);
        Assert.DoesNotContain("charlie", existing.Item2, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refusals_on_objects_are_audited_with_the_target_and_the_route_but_no_content()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync(TwoNumbers);
        var coordinator = Server.ClientFor("ines@alpha");
        var record = (await coordinator.ListRecordsAsync(dataset.Id)).Items[0];

        // An outlet outside the investigation probes a record (404); a reporter tries the audit log (403).
        using (var probe = await Server.ClientFor("olga@charlie").SendAsync(new HttpRequestMessage(HttpMethod.Get, $"api/records/{record.Id}")))
        {
            Assert.Equal(HttpStatusCode.NotFound, probe.StatusCode);
        }
        using (var forbidden = await Server.ClientFor("tom@bravo").SendAsync(new HttpRequestMessage(HttpMethod.Get, $"api/investigations/{investigation.Id}/audit")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }

        var denied = (await coordinator.ListAuditAsync(investigation.Id, action: SecurityAuditActions.AccessDenied)).Items;
        var olga = (await Server.Accounts.AccountAsync("olga@charlie")).Id;
        var tom = (await Server.Accounts.AccountAsync("tom@bravo")).Id;
        var onRecord = Assert.Single(denied, e => e.ActorUserId == olga);
        Assert.Equal(("record", record.Id.ToString()), (onRecord.TargetType, onRecord.TargetId));
        Assert.EndsWith("answered 404", onRecord.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("7700", onRecord.Detail!, StringComparison.Ordinal);
        var onAudit = Assert.Single(denied, e => e.ActorUserId == tom);
        Assert.Equal(("investigation", investigation.Id.ToString()), (onAudit.TargetType, onAudit.TargetId));
        Assert.EndsWith("answered 403", onAudit.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hub_refusals_are_audited_like_the_APIs()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync(TwoNumbers);
        var coordinator = Server.ClientFor("ines@alpha");
        var record = (await coordinator.ListRecordsAsync(dataset.Id)).Items[0];
        var connection = Server.ClientFor("olga@charlie").CreateHubConnection();
        await connection.StartAsync();
        await using var _ = connection;

        var refused = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => connection.InvokeAsync(HubMethods.JoinRecord, record.Id));

        Assert.Contains("No such record.", refused.Message, StringComparison.Ordinal);
        var olga = (await Server.Accounts.AccountAsync("olga@charlie")).Id;
        var entry = Assert.Single((await coordinator.ListAuditAsync(investigation.Id, action: SecurityAuditActions.AccessDenied)).Items, e => e.ActorUserId == olga);
        Assert.Equal(("record", record.Id.ToString(), "hub JoinRecord refused"), (entry.TargetType, entry.TargetId, entry.Detail));
    }

    [Fact]
    public async Task Creating_an_investigation_with_unknown_outlets_names_none_of_them()
    {
        using var response = await Server.ClientFor("ines@alpha").SendAsync(Json(HttpMethod.Post, "api/investigations",
            """{"name": "Probe", "description": "", "memberOutletIds": ["bravo", "no-such-outlet-17"]}"""));

        await AssertBadRequestProblemAsync(response);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("no-such-outlet-17", body, StringComparison.Ordinal);
        Assert.DoesNotContain("bravo", body, StringComparison.Ordinal);
    }
}
