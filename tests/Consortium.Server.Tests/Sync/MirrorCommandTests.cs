using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Consortium.Cli;
using Consortium.Server.Tests.Annotations;
using Npgsql;

namespace Consortium.Server.Tests.Sync;

/// <summary>
/// `consortium mirror` as a partner's cron job runs it: a sync client's credentials, a folder or a PostgreSQL database
/// of the partner's own (a second database on the test server), exit codes.
/// </summary>
[Collection(AnnotationsCollection.Name)]
public sealed class MirrorCommandTests(ConsortiumServer server) : ServerTest(server)
{
    [Fact]
    public async Task Mirror_into_a_folder_writes_JSON_Lines_and_Web_Annotations_of_what_the_outlet_may_read_and_a_second_run_rewrites_nothing()
    {
        var (investigation, record, credentials, visible, hidden) = await GivenAnnotatedInvestigationAsync();
        var folder = Directory.CreateTempSubdirectory("consortium-mirror-");
        try
        {
            await MirrorUntilAsync(investigation, credentials, ["--folder", folder.FullName], () =>
                Task.FromResult(File.Exists(Path.Combine(folder.FullName, "annotations.jsonl"))
                    && File.ReadAllLines(Path.Combine(folder.FullName, "annotations.jsonl")).Length == visible.Count));

            var records = File.ReadAllLines(Path.Combine(folder.FullName, "records.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
            Assert.Equal(2, records.Count);
            Assert.Contains(records, r => r["id"]!.GetValue<Guid>() == record.Id && r["values"]!["phone"]!.GetValue<string>() == "07700 900001");
            var annotations = File.ReadAllLines(Path.Combine(folder.FullName, "annotations.jsonl")).Select(l => JsonNode.Parse(l)!["id"]!.GetValue<Guid>()).ToHashSet();
            Assert.Equal(visible.Select(a => a.Id).ToHashSet(), annotations);
            var webAnnotations = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(folder.FullName, "annotations.jsonld")))!;
            using var anonymous = Server.AnonymousClient();
            var contextUrl = new Uri(Server.BaseAddress, "ns/consortium.jsonld").AbsoluteUri;
            var expanded = await JsonLdProcessor.ExpandAsync(webAnnotations, new Dictionary<string, JsonNode> { [contextUrl] = JsonNode.Parse(await anonymous.GetStringAsync(contextUrl))! });
            var described = expanded.Triples.Where(t => t.Predicate == JsonLdProcessor.Rdf + "type" && t.Value == JsonLdProcessor.Iri(JsonLdProcessor.Oa + "Annotation")).Select(t => t.Subject).ToHashSet();
            Assert.Equal(visible.Select(a => JsonLdProcessor.Iri(new Uri(Server.BaseAddress, $"api/annotations/{a.Id}").AbsoluteUri)).ToHashSet(), described);
            foreach (var secret in hidden)
            {
                Assert.DoesNotContain(secret.Id.ToString(), string.Concat(Directory.GetFiles(folder.FullName).Select(File.ReadAllText)), StringComparison.Ordinal);
            }

            var before = Snapshot(folder);
            var (exit, output) = await RunMirrorAsync(investigation, credentials, ["--folder", folder.FullName]);
            Assert.Equal(MirrorExitCodes.Ok, exit);
            Assert.Equal("", output.Trim());
            Assert.Equal(before, Snapshot(folder));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Mirror_into_PostgreSQL_creates_its_tables_upserts_by_version_and_a_second_run_changes_no_row()
    {
        var (investigation, _, credentials, visible, hidden) = await GivenAnnotatedInvestigationAsync();
        var database = await TestPostgres.CreateDatabaseAsync();
        try
        {
            await MirrorUntilAsync(investigation, credentials, ["--database", database], async () => (await AnnotationRowsAsync(database)).Count == visible.Count);
            var rows = await AnnotationRowsAsync(database);
            Assert.Equal(visible.Select(a => a.Id).ToHashSet(), rows.Keys.ToHashSet());
            Assert.DoesNotContain(hidden, h => rows.ContainsKey(h.Id));
            Assert.Equal(2L, await ScalarAsync(database, "select count(*) from consortium_mirror.records"));
            Assert.Equal(visible.Count, await ScalarAsync(database, "select count(*) from consortium_mirror.annotations where web_annotation ->> 'type' = 'Annotation' and web_annotation ->> 'target' like '%/api/records/%'"));

            var before = await TableStateAsync(database);
            var (exit, output) = await RunMirrorAsync(investigation, credentials, ["--database", database]);
            Assert.Equal(MirrorExitCodes.Ok, exit);
            Assert.Equal("", output.Trim());
            Assert.Equal(before, await TableStateAsync(database));

            // A change made since: the next run carries it, from the stored cursor, and only it.
            var tom = Server.ClientFor("tom@bravo");
            var edited = await tom.EditAnnotationAsync(visible[0].Id, visible[0].Version, new AnnotationChange(Text: "corrected"));
            await MirrorUntilAsync(investigation, credentials, ["--database", database], async () => (await AnnotationRowsAsync(database))[edited.Id] == edited.Version);
            var after = await TableStateAsync(database);
            Assert.Equal(before.Where(r => !r.StartsWith($"annotation {edited.Id}", StringComparison.Ordinal) && !r.StartsWith("cursor feed", StringComparison.Ordinal)),
                after.Where(r => !r.StartsWith($"annotation {edited.Id}", StringComparison.Ordinal) && !r.StartsWith("cursor feed", StringComparison.Ordinal)));
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task Mirror_exit_codes_tell_a_cron_job_what_went_wrong()
    {
        var (investigation, _, credentials, _, _) = await GivenAnnotatedInvestigationAsync();
        var folder = Directory.CreateTempSubdirectory("consortium-mirror-");
        try
        {
            Assert.Equal(MirrorExitCodes.Usage, (await RunMirrorAsync(investigation, credentials, [])).Exit);
            Assert.Equal(MirrorExitCodes.Authentication, (await RunMirrorAsync(investigation, credentials with { ClientSecret = "wrong" }, ["--folder", folder.FullName])).Exit);
            Assert.Equal(MirrorExitCodes.InvestigationNotFound, (await RunMirrorAsync(Guid.NewGuid(), credentials, ["--folder", folder.FullName])).Exit);
            Assert.Equal(MirrorExitCodes.ServerUnreachable, (await RunMirrorAsync(investigation, credentials, ["--folder", folder.FullName], server: new Uri("http://127.0.0.1:9/"))).Exit);
            var unreachableDatabase = new NpgsqlConnectionStringBuilder(Server.ConnectionString) { Port = 9, Timeout = 2 }.ConnectionString;
            Assert.Equal(MirrorExitCodes.TargetFailed, (await RunMirrorAsync(investigation, credentials, ["--database", unreachableDatabase])).Exit);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Bravo's sync client on an investigation with two records; tom@bravo's notes (consortium-wide and one shared with
    /// partners) are visible to it, alpha's outlet-only and private notes are not.
    /// </summary>
    private async Task<(Guid Investigation, RecordView Record, SyncClientCredentials Credentials, List<AnnotationView> Visible, List<AnnotationView> Hidden)> GivenAnnotatedInvestigationAsync()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n07700 900002,GB\n");
        var record = (await Server.ClientFor("ines@alpha").ListRecordsAsync(dataset.Id)).Items[0];
        await Server.Accounts.AccountAsync("adm@bravo", outletAdmin: true);
        var credentials = await Server.ClientFor("adm@bravo").RegisterSyncClientAsync(new NewSyncClient("bravo mirror"));
        var tom = Server.ClientFor("tom@bravo");
        var marie = Server.ClientFor("marie@alpha");
        List<AnnotationView> visible =
        [
            await tom.AddNoteAsync(record.Id, new NewNote("first")),
            await tom.AddAnnotationAsync(record.Id, new NewAnnotation(AnnotationKinds.Tag, Tag: "politician")),
        ];
        List<AnnotationView> hidden =
        [
            await marie.AddNoteAsync(record.Id, new NewNote("alpha only", Visibility.Outlet)),
            await marie.AddNoteAsync(record.Id, new NewNote("marie only", Visibility.Private)),
        ];
        return (investigation.Id, record, credentials, visible, hidden);
    }

    /// <summary>Runs the mirror until <paramref name="done"/> holds: the feed rightly holds changes back while any older transaction is open.</summary>
    private async Task MirrorUntilAsync(Guid investigation, SyncClientCredentials credentials, string[] target, Func<Task<bool>> done)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (true)
        {
            var (exit, output) = await RunMirrorAsync(investigation, credentials, target);
            Assert.True(exit == MirrorExitCodes.Ok, output);
            if (await done())
            {
                return;
            }
            await Task.Delay(100, timeout.Token);
        }
    }

    internal static async Task<(int Exit, string Output)> RunMirrorCommandAsync(Guid investigation, SyncClientCredentials credentials, string[] target, Uri server,
        bool follow = false, TextWriter? output = null, CancellationToken cancellationToken = default)
    {
        var writer = output ?? new StringWriter();
        string[] arguments = ["--server", server.ToString(), "--client-id", credentials.ClientId, "--client-secret", credentials.ClientSecret,
            "mirror", "--investigation", investigation.ToString(), .. target, .. follow ? new[] { "--follow" } : []];
        var exit = await ConsortiumCommandLine.Root().Parse(arguments).InvokeAsync(new InvocationConfiguration { Output = writer, Error = writer }, cancellationToken);
        return (exit, writer.ToString() ?? "");
    }

    private Task<(int Exit, string Output)> RunMirrorAsync(Guid investigation, SyncClientCredentials credentials, string[] target, Uri? server = null) =>
        RunMirrorCommandAsync(investigation, credentials, target, server ?? Server.BaseAddress);

    internal static async Task<Dictionary<Guid, long>> AnnotationRowsAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var exists = new NpgsqlCommand("select to_regclass('consortium_mirror.annotations') is not null", connection);
        if (!(bool)(await exists.ExecuteScalarAsync())!)
        {
            return [];
        }
        await using var command = new NpgsqlCommand("select id, version from consortium_mirror.annotations", connection);
        var rows = new Dictionary<Guid, long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows[reader.GetGuid(0)] = reader.GetInt64(1);
        }
        return rows;
    }

    /// <summary>Every row of the mirror's tables with its xmin (the transaction that last wrote it): equal only when no row was written.</summary>
    private static async Task<List<string>> TableStateAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            select 'annotation ' || id || ' ' || version || ' ' || xmin::text || ' ' || md5(data::text) from consortium_mirror.annotations
            union all select 'record ' || id || ' ' || version || ' ' || xmin::text || ' ' || md5(data::text) from consortium_mirror.records
            union all select 'cursor ' || name || ' ' || cursor || ' ' || xmin::text from consortium_mirror.cursors
            order by 1
            """, connection);
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }
        return rows;
    }

    private static async Task<long> ScalarAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static Dictionary<string, (string Hash, DateTime Written)> Snapshot(DirectoryInfo folder) =>
        Directory.GetFiles(folder.FullName).ToDictionary(f => Path.GetFileName(f), f => (Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))), File.GetLastWriteTimeUtc(f)));
}
