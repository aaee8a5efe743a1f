using System.Diagnostics;
using System.Globalization;
using Consortium.Client;
using Npgsql;
using NpgsqlTypes;

namespace Consortium.Benchmarks;

/// <summary>
/// Feed catch-up (issue 19): a partner's sync client reads the feed of every change from cursor 0 through
/// <c>GET /api/changes</c> (pages of 1,000, <see cref="ConsortiumClient.SyncAsync"/>), beside the raw SQL read of the
/// same rows (the same keyset pages, every column as text) in the same run. The entries are real notes: one written
/// through the API, then copied as new annotations (new ids) into the feed table in one transaction, so the server
/// reads, checks and renders each like any other.
/// </summary>
public static class FeedScenario
{
    private const int Page = 1000;
    private const int WarmUpEntries = 200_000;

    public static async Task<FeedResults> RunAsync(BenchmarkEnvironment environment, Investigation investigation, Guid datasetId, int entries, CpuMeter cpu, TextWriter log)
    {
        var reporter = environment.ClientFor(Investigation.Reporter);
        var record = (await reporter.ListRecordsAsync(datasetId, limit: 1)).Items[0];
        var seed = await reporter.AddNoteAsync(record.Id, new NewNote("Seen in the logs of two handsets; see the forensic report."));
        log.WriteLine($"  Writing {entries:N0} feed entries (copies of a note written through the API)");
        await using (var connection = await environment.OpenAsync())
        {
            var schema = BenchmarkEnvironment.Schema;
            await using var copy = new NpgsqlCommand($"""
                insert into {schema}.change_feed (xid, type, object_id, version, change, investigation_id, dataset_id, record_id, data)
                select pg_current_xact_id(), 'annotation', n.id::text, 1, 'added', f.investigation_id, f.dataset_id, f.record_id,
                       jsonb_set(f.data, array['id'], to_jsonb(n.id))
                from (select gen_random_uuid() as id from generate_series(1, $2)) n,
                     (select * from {schema}.change_feed where type = 'annotation' and object_id = $1 limit 1) f
                """, connection) { CommandTimeout = 0 };
            copy.Parameters.Add(new() { Value = seed.Id.ToString(), NpgsqlDbType = NpgsqlDbType.Text });
            copy.Parameters.Add(new() { Value = entries - 1, NpgsqlDbType = NpgsqlDbType.Integer });
            await copy.ExecuteNonQueryAsync();
            await using var analyze = new NpgsqlCommand($"vacuum analyze {schema}.change_feed", connection) { CommandTimeout = 0 };
            await analyze.ExecuteNonQueryAsync();
        }

        await environment.Accounts.AccountAsync("bench.admin@die-lupe", outletAdmin: true);
        var credentials = await environment.ClientFor("bench.admin@die-lupe").RegisterSyncClientAsync(new NewSyncClient("benchmark partner"));
        using var http = new HttpClient { BaseAddress = environment.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        var partner = new ConsortiumClient(http, new ClientCredentialsTokens(http, credentials.ClientId, credentials.ClientSecret).GetAsync);

        // The feed serves a row once every older transaction has ended: wait until the copy is visible to the partner.
        while ((await partner.ReadChangeFeedAsync(null, [ChangeFeedTypes.Annotation], investigation.Id, limit: 1)).Items.Count == 0)
        {
            await Task.Delay(100);
        }

        // Warm-up, not measured: the first pages run the feed's code as the JIT first compiles it, then again as tiered
        // compilation recompiles it on a background thread that takes one of the two CPUs for seconds. A partner catches
        // up against a server that has been serving; a fresh process's first seconds are not that (decision 0038).
        var warmClock = Stopwatch.StartNew();
        var warm = 0;
        await foreach (var _ in partner.SyncAsync(new SyncOptions { InvestigationId = investigation.Id, Types = [ChangeFeedTypes.Annotation], PageSize = Page }))
        {
            if (++warm == WarmUpEntries)
            {
                break;
            }
        }
        var warmRate = Math.Round(warm / warmClock.Elapsed.TotalSeconds);
        log.WriteLine($"  Warm-up (not measured): {warm:N0} entries in {warmClock.Elapsed.TotalSeconds:0.0} s = {warmRate:N0} entries/s");
        await Task.Delay(TimeSpan.FromSeconds(2));

        var apiCpu = cpu.Take();
        var clock = Stopwatch.StartNew();
        var read = 0;
        await foreach (var _ in partner.SyncAsync(new SyncOptions { InvestigationId = investigation.Id, Types = [ChangeFeedTypes.Annotation], PageSize = Page }))
        {
            read++;
        }
        var apiSeconds = clock.Elapsed.TotalSeconds;
        var apiUsage = cpu.Since(apiCpu).Describe();
        log.WriteLine($"  HTTP feed: {read:N0} entries in {apiSeconds:0.0} s = {read / apiSeconds:N0} entries/s; {apiUsage}");

        var rawCpu = cpu.Take();
        clock.Restart();
        var rawRead = await RawReadAsync(environment, investigation.Id);
        var rawSeconds = clock.Elapsed.TotalSeconds;
        var rawUsage = cpu.Since(rawCpu).Describe();
        log.WriteLine($"  Raw SQL: {rawRead:N0} rows in {rawSeconds:0.0} s = {rawRead / rawSeconds:N0} rows/s; {rawUsage}");
        return new FeedResults(read, Math.Round(apiSeconds, 2), Math.Round(read / apiSeconds), rawRead, Math.Round(rawSeconds, 2), Math.Round(rawRead / rawSeconds), apiUsage, rawUsage, warm, warmRate);
    }

    /// <summary>The same rows as the feed serves, page by page on one connection: the floor of any feed over this table.</summary>
    private static async Task<int> RawReadAsync(BenchmarkEnvironment environment, Guid investigationId)
    {
        await using var connection = await environment.OpenAsync();
        var (xid, seq, count) = ("0", 0L, 0);
        while (true)
        {
            await using var command = new NpgsqlCommand($"""
                select f.xid::text, f.seq, f.type, f.object_id, f.version, f.change, f.investigation_id, f.data::text
                from {BenchmarkEnvironment.Schema}.change_feed f
                where f.investigation_id = $1 and f.type = 'annotation'
                  and f.xid < pg_snapshot_xmin(pg_current_snapshot()) and (f.xid, f.seq) > ($2::text::xid8, $3)
                order by f.xid, f.seq
                limit {Page}
                """, connection);
            command.Parameters.Add(new() { Value = investigationId, NpgsqlDbType = NpgsqlDbType.Uuid });
            command.Parameters.Add(new() { Value = xid, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new() { Value = seq, NpgsqlDbType = NpgsqlDbType.Bigint });
            var rows = 0;
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    (xid, seq) = (reader.GetString(0), reader.GetInt64(1));
                    _ = (reader.GetString(2), reader.GetString(3), reader.GetInt64(4), reader.GetString(5), reader.GetGuid(6), reader.GetString(7));
                    rows++;
                }
            }
            count += rows;
            if (rows < Page)
            {
                return count;
            }
        }
    }
}

public sealed record FeedResults(int Entries, double ApiSeconds, double ApiEntriesPerSecond, int RawRows, double RawSeconds, double RawRowsPerSecond, string ApiCpu, string RawCpu,
    int WarmUpEntries, double WarmUpEntriesPerSecond);
