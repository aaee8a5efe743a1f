using System.Diagnostics;
using System.Globalization;
using Consortium.Benchmarks;

// The benchmark program of docs/performance.md. Run from the repository root: bash tests/benchmark.sh [options].
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var log = Console.Out;
var repositoryRoot = FindRepositoryRoot();
Options options;
try
{
    options = Options.Parse(args, repositoryRoot);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

var runClock = Stopwatch.StartNew();
var startedAt = DateTimeOffset.UtcNow;
var work = Directory.CreateTempSubdirectory("consortium-bench-data-").FullName;
await using var environment = await BenchmarkEnvironment.StartAsync(repositoryRoot, log, options.StatementStatistics);
environment.LogsDirectory = Path.Combine(options.OutputDirectory, "logs");
// Interrupted (Ctrl-C, SIGTERM): the server and the database it started go with it.
void StopEverything(System.Runtime.InteropServices.PosixSignalContext _) => environment.DisposeAsync().AsTask().GetAwaiter().GetResult();
using var onInterrupt = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, StopEverything);
using var onTerminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, StopEverything);
var cpu = new CpuMeter(() => environment.ServerPid, () => environment.PostmasterPid);
var results = new BenchmarkResults
{
    StartedAt = startedAt,
    Command = "bash tests/benchmark.sh" + (args.Length == 0 ? "" : " " + string.Join(' ', args)),
    Machine = MachineDescription.Read(await environment.PostgresVersionAsync()),
    PostgresSettings = await environment.PostgresSettingsAsync(),
    Options = options,
    Commit = Git(repositoryRoot, "rev-parse --short HEAD"),
};
try
{
    var idleRss = CpuMeter.Memory(environment.ServerPid).Rss;
    var investigation = await Investigation.OpenAsync(environment, options.OutletClients, log);

    var leak = new SyntheticLeak();
    var csv = Path.Combine(work, "leak.csv");
    log.WriteLine($"Writing {options.Rows:N0} synthetic rows");
    leak.Write(csv, options.Rows);

    // Every scenario needs the records: the import runs always, and is reported when asked for.
    log.WriteLine("Scenario: import");
    var importCpu = cpu.Take();
    var loaded = await ImportScenario.ImportThroughApiAsync(environment, investigation, csv, log);
    var apiCpu = cpu.Since(importCpu).Describe();
    var afterImport = CpuMeter.Memory(environment.ServerPid);
    log.WriteLine($"  API: {loaded.Imported:N0} rows in {loaded.Seconds:0.0} s = {loaded.Imported / loaded.Seconds:N0} rows/s ({loaded.Rejected} rejected, {loaded.Duplicates} duplicates); {apiCpu}");
    if (options.Runs("import"))
    {
        var rawCpu = cpu.Take();
        var raw = await ImportScenario.RawCopyAsync(environment, loaded.DatasetId, work, log);
        var rawUsage = cpu.Since(rawCpu).Describe();
        var rates = raw.Select(s => loaded.Imported / s).ToList();
        results.Import = new ImportResults(options.Rows, new FileInfo(csv).Length, Math.Round(loaded.Seconds, 2), Math.Round(loaded.Imported / loaded.Seconds),
            loaded.Imported, loaded.Rejected, loaded.Duplicates, loaded.Shape, raw.Select(s => Math.Round(s, 2)).ToList(), Math.Round(rates.Average()),
            Spread.Of(rates.Select(r => Math.Round(r))), Math.Round(afterImport.Peak), apiCpu, rawUsage);
    }
    // Fresh statistics for the planner, as autovacuum would have them a little later.
    await using (var connection = await environment.OpenAsync())
    await using (var analyze = new Npgsql.NpgsqlCommand($"vacuum analyze {BenchmarkEnvironment.Schema}.mt_doc_leakedrecord", connection) { CommandTimeout = 0 })
    {
        await analyze.ExecuteNonQueryAsync();
    }

    // A scenario that fails is reported as failed; the others still run and the results are still written.
    async Task Scenario(string name, Func<Task> run)
    {
        if (!options.Runs(name))
        {
            return;
        }
        log.WriteLine($"Scenario: {name}");
        try
        {
            await investigation.RefreshAsync(environment, log);
            await run();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            log.WriteLine($"  FAILED: {e}");
            results.Notes.Add($"**The {name} scenario failed** in this run: {e.GetType().Name}: {e.Message}");
        }
    }
    await Scenario("search", async () => results.Search = await SearchScenario.RunAsync(environment, loaded.DatasetId, leak, options.Rows, options, cpu, log));
    await Scenario("live", async () => results.Live = await LiveScenario.RunAsync(environment, investigation, loaded.DatasetId, options, cpu, log));
    await Scenario("feed", async () => results.Feed = await FeedScenario.RunAsync(environment, investigation, loaded.DatasetId, options.FeedEntries, cpu, log));
    await Scenario("webhooks", async () => results.Webhooks = await WebhookScenario.RunAsync(environment, investigation, loaded.DatasetId, options.WebhookRate, options.LiveSeconds, cpu, log));
    await Scenario("footprint", async () => results.Footprint = await FootprintScenario.RunAsync(environment, investigation, loaded.DatasetId, loaded.Imported, options, idleRss, afterImport.Rss, log));
    // Last: it replaces the one-node server by two nodes.
    await Scenario(LiveTwoNodeScenario.Name, async () => results.LiveTwoNodes = await LiveTwoNodeScenario.RunAsync(environment, investigation, loaded.DatasetId, options, log));
}
finally
{
    Directory.Delete(work, recursive: true);
}

results.DurationSeconds = Math.Round(runClock.Elapsed.TotalSeconds);
Report.Evaluate(results);
Directory.CreateDirectory(options.OutputDirectory);
var jsonPath = Path.Combine(options.OutputDirectory, "results.json");
var plotPath = Path.Combine(options.OutputDirectory, "latency.png");
Report.WriteJson(results, jsonPath);
Report.WritePlot(results, plotPath);
var performance = Path.Combine(repositoryRoot, "docs", "performance.md");
var section = Report.Markdown(results, Path.GetRelativePath(Path.GetDirectoryName(performance)!, plotPath));
if (options.WriteDocs)
{
    Report.UpdateDocument(performance, section);
}
else
{
    // A quick check leaves docs/performance.md alone; its table goes beside the JSON instead.
    File.WriteAllText(Path.Combine(options.OutputDirectory, "results.md"), section);
}
log.WriteLine();
log.WriteLine(section);
log.WriteLine($"Wrote {jsonPath}, {plotPath}{(options.WriteDocs ? " and docs/performance.md" : "")} in {runClock.Elapsed.TotalMinutes:0.0} minutes.");
foreach (var goal in results.Goals)
{
    log.WriteLine($"{(goal.Met ? "met   " : "MISSED")} {goal.Scenario}: {goal.Goal} ({goal.Measured})");
}
return 0;

static string FindRepositoryRoot()
{
    foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Consortium.sln")))
            {
                return dir.FullName;
            }
        }
    }
    throw new InvalidOperationException("Run the benchmarks from inside the Consortium repository.");
}

static string? Git(string root, string arguments)
{
    try
    {
        var start = new ProcessStartInfo("git", arguments) { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return process.ExitCode == 0 ? output : null;
    }
    catch (System.ComponentModel.Win32Exception)
    {
        return null;
    }
}
