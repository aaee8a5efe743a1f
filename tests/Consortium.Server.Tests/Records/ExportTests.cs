using System.Net;
using System.Text;
using System.Text.Json;

namespace Consortium.Server.Tests.Records;

[Collection(RecordsCollection.Name)]
public sealed class ExportTests(ConsortiumServer server) : ServerTest(server)
{
    // Values that test the quoting: a comma, doubled quotes, a line break, and cells a spreadsheet would run as formulas.
    private const string Numbers =
        "phone,country,selector\n" +
        "07700 900123,GB,\"Client 01, second desk\"\n" +
        "\"+44 20 7946 0456\",,\"He said \"\"call me\"\"\nthen hung up\"\n" +
        "(202) 555-0101,US,=HYPERLINK(\"http://evil.example\")\n" +
        "07700 900124,GB,@SUM(A1)\n";

    private static readonly string[][] Expected =
    [
        ["07700 900123", "GB", "Client 01, second desk", "+447700900123"],
        ["+44 20 7946 0456", "", "He said \"call me\"\nthen hung up", "+442079460456"],
        ["(202) 555-0101", "US", "=HYPERLINK(\"http://evil.example\")", "+12025550101"],
        ["07700 900124", "GB", "@SUM(A1)", "+447700900124"],
    ];

    private async Task<string> IdOf(string user) => (await Server.Accounts.AccountAsync(user)).Id;

    private static async Task<string> ExportAsync(ConsortiumClient client, Guid datasetId, string format, string? phone = null)
    {
        using var destination = new MemoryStream();
        await client.ExportAsync(datasetId, format, destination, phone);
        return new UTF8Encoding(false).GetString(destination.ToArray());
    }

    [Fact]
    public async Task Csv_export_holds_every_visible_record_in_row_order_with_original_values_and_the_E164_number()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync(Numbers);

        var text = await ExportAsync(Server.ClientFor("ines@alpha"), dataset.Id, "csv");

        Assert.StartsWith("\uFEFF", text, StringComparison.Ordinal);
        var rows = ParseCsv(text[1..]);
        Assert.Equal(["phone", "country", "selector", "phone_e164"], rows[0]);
        Assert.Equal(Expected.Select(Unguarded), rows.Skip(1).Select(Unguarded));
        Assert.Contains("\r\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Csv_cells_a_spreadsheet_would_run_as_formulas_start_with_an_apostrophe()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync(Numbers);

        var rows = ParseCsv((await ExportAsync(Server.ClientFor("ines@alpha"), dataset.Id, "csv"))[1..]);

        Assert.Equal("'=HYPERLINK(\"http://evil.example\")", rows[3][2]);
        Assert.Equal("'@SUM(A1)", rows[4][2]);
        Assert.Equal("'+44 20 7946 0456", rows[2][0]);
        Assert.Equal("'+447700900123", rows[1][3]);
        Assert.Equal("(202) 555-0101", rows[3][0]);
    }

    [Fact]
    public async Task Json_Lines_export_holds_the_values_unchanged_one_object_per_record()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync(Numbers);

        var text = await ExportAsync(Server.ClientFor("ines@alpha"), dataset.Id, "jsonl");

        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var objects = lines.Select(l => JsonSerializer.Deserialize<Dictionary<string, string>>(l)!).ToList();
        Assert.Equal(Expected.Select(e => string.Join("|", e)),
            objects.Select(o => string.Join("|", o["phone"], o["country"], o["selector"], o["phone_e164"])));
        Assert.All(objects, o => Assert.Equal(["phone", "country", "selector", "phone_e164"], o.Keys));
    }

    [Fact]
    public async Task Export_is_an_attachment_with_a_safe_file_name()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync(Numbers);
        var alpha = Server.ClientFor("ines@alpha");

        using var response = await alpha.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"api/datasets/{dataset.Id}/export?format=jsonl"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var disposition = response.Content.Headers.ContentDisposition!;
        Assert.Equal("attachment", disposition.DispositionType);
        Assert.Matches("^Selected-numbers-[0-9]{8}\\.jsonl$", disposition.FileName!.Trim('"'));
    }

    [Fact]
    public async Task A_record_restricted_to_another_outlet_is_left_out_of_an_editors_export()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync(Numbers);
        var alpha = Server.ClientFor("ines@alpha");
        var restricted = (await alpha.ListRecordsAsync(dataset.Id)).Items[1];
        await alpha.SetRecordRestrictionAsync(restricted.Id, new OutletRestriction(["alpha"]));
        await GivenMemberAsync(investigation.Id, "eve@bravo", InvestigationRole.Editor);

        var bravoRows = ParseCsv((await ExportAsync(Server.ClientFor("eve@bravo"), dataset.Id, "csv"))[1..]);
        var bravoLines = (await ExportAsync(Server.ClientFor("eve@bravo"), dataset.Id, "jsonl")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var alphaRows = ParseCsv((await ExportAsync(alpha, dataset.Id, "csv"))[1..]);

        Assert.Equal(["'+447700900123", "'+12025550101", "'+447700900124"], bravoRows.Skip(1).Select(r => r[3]));
        Assert.Equal(3, bravoLines.Length);
        Assert.DoesNotContain(bravoLines, l => l.Contains("+442079460456", StringComparison.Ordinal));
        Assert.Equal(5, alphaRows.Count);
    }

    [Fact]
    public async Task The_phone_filter_keeps_only_numbers_containing_those_digits()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync(Numbers);

        var lines = (await ExportAsync(Server.ClientFor("ines@alpha"), dataset.Id, "jsonl", phone: "7700 9001")).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => Assert.Contains("+4477009001", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Export_pages_through_datasets_larger_than_one_page()
    {
        var csv = new StringBuilder("phone,country\n");
        for (var i = 0; i < 2_345; i++)
        {
            csv.Append(CultureInfoInvariant($"07700 9{i:00000},GB\n"));
        }
        var (_, dataset) = await GivenInvestigationWithDatasetAsync(csv.ToString());

        var rows = ParseCsv((await ExportAsync(Server.ClientFor("ines@alpha"), dataset.Id, "csv"))[1..]);

        Assert.Equal(2_346, rows.Count);
        Assert.Equal(Enumerable.Range(0, 2_345).Select(i => $"07700 9{i:00000}"), rows.Skip(1).Select(r => r[0]));
    }

    [Fact]
    public async Task A_reporter_is_refused_and_receives_no_records()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync(Numbers);
        var tom = Server.ClientFor("tom@bravo");

        using var response = await tom.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"api/datasets/{dataset.Id}/export?format=csv"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("7700", body, StringComparison.Ordinal);
        var error = await Assert.ThrowsAsync<ConsortiumProblemException>(() => ExportAsync(tom, dataset.Id, "jsonl"));
        Assert.Equal(HttpStatusCode.Forbidden, error.Status);
        Assert.Empty((await Server.ClientFor("ines@alpha").ListAuditAsync(investigation.Id, action: AuditActions.Export)).Items);
    }

    [Fact]
    public async Task A_non_member_gets_not_found()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync(Numbers);

        var outsider = await Assert.ThrowsAsync<ConsortiumProblemException>(() => ExportAsync(Server.ClientFor("carl@charlie"), dataset.Id, "csv"));
        var unknown = await Assert.ThrowsAsync<ConsortiumProblemException>(() => ExportAsync(Server.ClientFor("ines@alpha"), Guid.NewGuid(), "csv"));

        Assert.Equal(HttpStatusCode.NotFound, outsider.Status);
        Assert.Equal((unknown.Status, unknown.Title, unknown.Detail), (outsider.Status, outsider.Title, outsider.Detail));
    }

    [Fact]
    public async Task An_unknown_format_is_a_bad_request()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync(Numbers);

        var error = await Assert.ThrowsAsync<ConsortiumProblemException>(() => ExportAsync(Server.ClientFor("ines@alpha"), dataset.Id, "xlsx"));

        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
    }

    [Fact]
    public async Task The_audit_names_the_exporter_the_format_and_the_filter()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync(Numbers);
        await GivenMemberAsync(investigation.Id, "eve@bravo", InvestigationRole.Editor);

        await ExportAsync(Server.ClientFor("eve@bravo"), dataset.Id, "csv", phone: "+44 7700");

        // A coordinator of the searcher's own outlet reads the terms; one of another outlet would not (AuditOutletWallTests).
        await GivenMemberAsync(investigation.Id, "cora@bravo", InvestigationRole.Coordinator);
        var entry = Assert.Single((await Server.ClientFor("cora@bravo").ListAuditAsync(investigation.Id, action: AuditActions.Export)).Items);
        Assert.Equal((await IdOf("eve@bravo"), "bravo", "dataset", dataset.Id.ToString()), (entry.ActorUserId, entry.ActorOutletId, entry.TargetType, entry.TargetId));
        Assert.Equal("csv; numbers containing 447700", entry.Detail);
    }

    private static string CultureInfoInvariant(FormattableString text) => FormattableString.Invariant(text);

    // Undoes the formula guard for comparison with the originals (the guard itself is tested on its own).
    private static string[] Unguarded(string[] row) =>
        row.Select(c => c.Length > 1 && c[0] == '\'' && c[1] is '=' or '+' or '-' or '@' ? c[1..] : c).ToArray();

    /// <summary>An RFC 4180 reader, independent of the server's own CSV code.</summary>
    private static List<string[]> ParseCsv(string text)
    {
        var rows = new List<string[]>();
        var row = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                row.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                row.Add(field.ToString());
                field.Clear();
                rows.Add([.. row]);
                row.Clear();
                i++;
            }
            else
            {
                field.Append(c);
            }
        }
        Assert.Equal(0, field.Length + row.Count);
        return rows;
    }
}

[Collection(ReauthenticationCollection.Name)]
public sealed class ExportReauthenticationTests(ShortReauthenticationServer server) : IAsyncLifetime
{
    public Task InitializeAsync() => server.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Exporting_needs_a_recent_sign_in_and_a_stale_one_gets_nothing()
    {
        var coordinator = server.ClientFor("ines@alpha");
        var investigation = await coordinator.CreateInvestigationAsync(new NewInvestigation("Nightjar", "", ["bravo"]));
        var dataset = await coordinator.CreateDatasetAsync(investigation.Id, new NewDataset("Selected numbers", ""));
        await coordinator.ImportCsvAsync(dataset.Id, new MemoryStream(Encoding.UTF8.GetBytes("phone,country\n07700 900001,GB\n")));
        await Task.Delay(TimeSpan.FromSeconds(4));

        using var response = await coordinator.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"api/datasets/{dataset.Id}/export?format=csv"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using (var problem = JsonDocument.Parse(body))
        {
            Assert.Equal("https://consortium.example/problems/reauthentication-required", problem.RootElement.GetProperty("type").GetString());
        }
        Assert.DoesNotContain("7700", body, StringComparison.Ordinal);

        server.Accounts.Forget(keepAccounts: true);
        var fresh = server.ClientFor("ines@alpha");
        using var destination = new MemoryStream();
        await fresh.ExportAsync(dataset.Id, "csv", destination);
        Assert.Contains("07700 900001", Encoding.UTF8.GetString(destination.ToArray()), StringComparison.Ordinal);
        var entry = Assert.Single((await fresh.ListAuditAsync(investigation.Id, action: AuditActions.Export)).Items);
        Assert.Equal("csv; all visible records", entry.Detail);
    }
}
