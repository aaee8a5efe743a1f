using Consortium.Client;
using Microsoft.AspNetCore.SignalR.Client;
using Npgsql;

namespace Consortium.Benchmarks;

/// <summary>Scenario 4: the server's resident memory with the records loaded and many hub connections open, each joined to a record.</summary>
public static class FootprintScenario
{
    public static async Task<FootprintResults> RunAsync(
        BenchmarkEnvironment environment, Investigation investigation, Guid datasetId, int records, Options options, double idleRss, double afterImportRss, TextWriter log)
    {
        var reporter = environment.ClientFor(Investigation.Reporter);
        var targets = (await reporter.ListRecordsAsync(datasetId, limit: 100)).Items.Select(r => r.Id).ToList();
        var connections = new List<HubConnection>();
        try
        {
            log.WriteLine($"  opening {options.FootprintConnections} hub connections");
            var people = investigation.LivePeople;
            var opened = new HubConnection[options.FootprintConnections];
            await Parallel.ForEachAsync(Enumerable.Range(0, options.FootprintConnections), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, token) =>
            {
                var connection = environment.ClientFor(people[i % people.Count].User).CreateHubConnection();
                await connection.StartAsync(token);
                await connection.InvokeAsync(HubMethods.JoinRecord, targets[i % targets.Count], token);
                opened[i] = connection;
            });
            connections.AddRange(opened);
            await Task.Delay(TimeSpan.FromSeconds(5));
            var (rss, peak) = CpuMeter.Memory(environment.ServerPid);
            await using var connection = await environment.OpenAsync();
            await using var size = new NpgsqlCommand("select pg_size_pretty(pg_database_size(current_database()))", connection);
            var databaseSize = (string)(await size.ExecuteScalarAsync())!;
            // The server's figure alone would hide what it keeps PostgreSQL holding (backends of its pools, decision 0022).
            var (processes, pss) = CpuMeter.PostgresMemory(environment.PostmasterPid);
            log.WriteLine($"  server RSS {rss:0} MiB with {connections.Count} connections open (peak over the run {peak:0} MiB); database {databaseSize}; PostgreSQL {pss:0} MiB (Pss of {processes} processes)");
            return new FootprintResults(records, connections.Count, Math.Round(rss), Math.Round(peak), Math.Round(idleRss), Math.Round(afterImportRss), databaseSize)
            {
                PostgresProcesses = processes,
                PostgresPssMiB = Math.Round(pss),
            };
        }
        finally
        {
            await Task.WhenAll(connections.Select(c => c.DisposeAsync().AsTask()));
        }
    }
}
