using System.Globalization;

namespace Consortium.Benchmarks;

/// <summary>Command line: which scenarios, how many rows, how long the live runs last, how often cheap runs repeat.</summary>
public sealed record Options(
    IReadOnlySet<string> Scenarios,
    int Rows,
    int LiveSeconds,
    int SearchRounds,
    int SearchSamples,
    int OutletClients,
    int FootprintConnections,
    string OutputDirectory,
    bool WriteDocs,
    bool StatementStatistics = false,
    int FeedEntries = 1_000_000,
    int WebhookRate = 200)
{
    public static readonly string[] AllScenarios = ["import", "search", "live", "footprint", "feed", "webhooks", LiveTwoNodeScenario.Name];

    public const string Usage = """
        Consortium benchmarks: import, search, live annotations and footprint, each beside its raw baseline.
          --scenario NAME     import, search, live, footprint, feed, webhooks or live2 (repeatable, or comma-separated);
                              default all. live2 is the live scenario on two server processes with one Redis; it
                              runs last and replaces the server (needs Debian's redis-server)
          --rows N            rows of the synthetic dataset (default 1000000)
          --live-seconds N    length of each live annotation run (default 60)
          --search-rounds N   repeated rounds of every search query, for the spread (default 3)
          --search-samples N  timed requests per query and round (default 40)
          --clients N         hub clients per outlet, 17 outlets (default 10)
          --connections N     hub connections held open for the footprint (default 500)
          --feed-entries N    entries of the feed catch-up (default 1000000)
          --webhook-rate N    notes per second of the webhook fan-out, delivered to 17 endpoints (default 200; it
                              runs for --live-seconds)
          --output DIR        where results.json, the plot and the table go (default docs/benchmarks)
          --no-docs           do not rewrite docs/performance.md (quick checks)
          --pg-stats          load pg_stat_statements into the benchmark's PostgreSQL and write, per live run, the
                              statements by total time with their calls and time per accepted note (pg-statements-*.txt)
        """;

    public bool Runs(string scenario) => Scenarios.Contains(scenario);

    public static Options Parse(string[] args, string repositoryRoot)
    {
        var scenarios = new HashSet<string>(StringComparer.Ordinal);
        var rows = 1_000_000;
        var liveSeconds = 60;
        var rounds = 3;
        var samples = 40;
        var clients = 10;
        var connections = 500;
        var output = Path.Combine(repositoryRoot, "docs", "benchmarks");
        var writeDocs = true;
        var statementStatistics = false;
        var feedEntries = 1_000_000;
        var webhookRate = 200;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.\n{Usage}");
            int NextInt() => int.Parse(Next(), NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--scenario":
                    foreach (var name in Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        var scenario = name == "annotations" ? "live" : name;
                        if (!AllScenarios.Contains(scenario) && scenario != "all")
                        {
                            throw new ArgumentException($"Unknown scenario {name}.\n{Usage}");
                        }
                        if (scenario == "all")
                        {
                            scenarios.UnionWith(AllScenarios);
                        }
                        else
                        {
                            scenarios.Add(scenario);
                        }
                    }
                    break;
                case "--rows": rows = NextInt(); break;
                case "--live-seconds": liveSeconds = NextInt(); break;
                case "--search-rounds": rounds = NextInt(); break;
                case "--search-samples": samples = NextInt(); break;
                case "--clients": clients = NextInt(); break;
                case "--connections": connections = NextInt(); break;
                case "--output": output = Path.GetFullPath(Next()); break;
                case "--no-docs": writeDocs = false; break;
                case "--pg-stats": statementStatistics = true; break;
                case "--feed-entries": feedEntries = NextInt(); break;
                case "--webhook-rate": webhookRate = NextInt(); break;
                case "--help" or "-h": throw new ArgumentException(Usage);
                default: throw new ArgumentException($"Unknown option {args[i]}.\n{Usage}");
            }
        }
        if (scenarios.Count == 0)
        {
            scenarios.UnionWith(AllScenarios);
        }
        if (rows < 1000)
        {
            throw new ArgumentException("--rows must be at least 1000.");
        }
        return new Options(scenarios, rows, liveSeconds, Math.Max(1, rounds), Math.Max(5, samples), Math.Max(1, clients), connections, output, writeDocs, statementStatistics, Math.Max(1000, feedEntries), Math.Max(1, webhookRate));
    }
}
