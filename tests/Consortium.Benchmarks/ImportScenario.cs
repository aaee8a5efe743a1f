using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Consortium.Client;
using Npgsql;

namespace Consortium.Benchmarks;

/// <summary>
/// Scenario 1: the synthetic CSV through POST /api/datasets/{id}/imports as an editor, beside a raw binary COPY of
/// the very rows the import stored into a plain table with the same columns and the same indexes (primary key, the
/// unique and duplicated-field indexes, full text and trigram GIN), which is PostgreSQL's own limit for that table.
/// </summary>
public static class ImportScenario
{
    public const int RawCopyRuns = 2;

    public sealed record Loaded(Guid DatasetId, double Seconds, int Imported, int Rejected, int Duplicates, string Shape);

    /// <summary>Creates the dataset and imports the file through the API; returns when the rows are committed.</summary>
    public static async Task<Loaded> ImportThroughApiAsync(BenchmarkEnvironment environment, Investigation investigation, string csvPath, TextWriter log)
    {
        var editor = environment.ClientFor(Investigation.Editor, timeout: Timeout.InfiniteTimeSpan);
        var dataset = await editor.CreateDatasetAsync(investigation.Id, new NewDataset("Selections", "Synthetic selection list."));
        log.WriteLine($"Importing {new FileInfo(csvPath).Length / 1_000_000.0:0.0} MB of CSV through the API");
        var clock = Stopwatch.StartNew();
        await using var file = new FileStream(csvPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        using var content = new StreamContent(file, 1 << 16);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv") { CharSet = "utf-8" };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/datasets/{dataset.Id}/imports") { Content = content };
        using var response = await editor.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode == HttpStatusCode.Accepted)
        {
            // An import run as a job: follow it until it ends.
            var status = response.Headers.Location ?? (JsonDocument.Parse(body).RootElement.TryGetProperty("statusUrl", out var url) ? new Uri(url.GetString()!, UriKind.RelativeOrAbsolute) : null)
                ?? throw new InvalidOperationException($"202 without a Location: {body}");
            var result = await FollowJobAsync(editor, status, log);
            return new Loaded(dataset.Id, clock.Elapsed.TotalSeconds, Count(result, "imported"), Count(result, "rejected"), Count(result, "duplicates"), "202 Accepted, then the job polled until it ended");
        }
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Import failed: {(int)response.StatusCode} {body}");
        }
        var outcome = JsonDocument.Parse(body).RootElement;
        return new Loaded(dataset.Id, clock.Elapsed.TotalSeconds, Count(outcome, "imported"), Count(outcome, "rejected"), Count(outcome, "duplicates"), "200 with the result when the rows are committed");
    }

    private static async Task<JsonElement> FollowJobAsync(ConsortiumClient client, Uri status, TextWriter log)
    {
        string[] done = ["completed", "succeeded", "done", "finished", "failed", "cancelled", "canceled"];
        while (true)
        {
            await Task.Delay(500);
            using var request = new HttpRequestMessage(HttpMethod.Get, status);
            using var response = await client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"Import job {status}: {(int)response.StatusCode} {body}");
            }
            var job = JsonDocument.Parse(body).RootElement.Clone();
            var state = job.TryGetProperty("state", out var s) ? s.GetString() : job.TryGetProperty("status", out var t) ? t.GetString() : null;
            if (state is not null && done.Contains(state.ToLowerInvariant()))
            {
                if (state.StartsWith("fail", StringComparison.OrdinalIgnoreCase) || state.StartsWith("cancel", StringComparison.OrdinalIgnoreCase))
                {
                    throw new InvalidOperationException($"Import job ended {state}: {body}");
                }
                return job.TryGetProperty("result", out var result) && result.ValueKind == JsonValueKind.Object ? result : job;
            }
            log.Write('.');
        }
    }

    private static int Count(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : 0;

    /// <summary>Times binary COPY of the dataset's stored rows into fresh copies of the record table; seconds per run.</summary>
    public static async Task<List<double>> RawCopyAsync(BenchmarkEnvironment environment, Guid datasetId, string workFolder, TextWriter log)
    {
        var dump = Path.Combine(workFolder, "records.bin");
        var table = $"{BenchmarkEnvironment.Schema}.mt_doc_leakedrecord";
        await using (var connection = await environment.OpenAsync())
        await using (var output = File.Create(dump))
        await using (var exporter = await connection.BeginRawBinaryCopyAsync($"copy (select * from {table} where dataset_id = '{datasetId}' order by row_number) to stdout (format binary)"))
        {
            await exporter.CopyToAsync(output);
        }
        var seconds = new List<double>();
        for (var run = 1; run <= RawCopyRuns; run++)
        {
            await using var connection = await environment.OpenAsync();
            await Execute(connection, "drop table if exists public.raw_records");
            // Same columns, defaults, constraints and indexes (full text and trigram GIN included) as the server's table.
            await Execute(connection, $"create table public.raw_records (like {table} including all)");
            await Execute(connection, "checkpoint");
            var clock = Stopwatch.StartNew();
            await using (var transaction = await connection.BeginTransactionAsync())
            {
                await using (var input = File.OpenRead(dump))
                await using (var importer = await connection.BeginRawBinaryCopyAsync("copy public.raw_records from stdin (format binary)"))
                {
                    await input.CopyToAsync(importer);
                }
                await transaction.CommitAsync();
            }
            seconds.Add(clock.Elapsed.TotalSeconds);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  raw COPY run {run}: {clock.Elapsed.TotalSeconds:0.0} s"));
        }
        await using (var connection = await environment.OpenAsync())
        {
            await Execute(connection, "drop table if exists public.raw_records");
        }
        File.Delete(dump);
        return seconds;
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync();
    }
}
