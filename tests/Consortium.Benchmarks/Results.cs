using System.Globalization;
using System.Text.Json.Serialization;

namespace Consortium.Benchmarks;

/// <summary>Percentiles of a set of latencies in milliseconds (nearest rank).</summary>
public sealed record Latency(int Count, double Mean, double P50, double P95, double P99, double Max)
{
    public static Latency Of(IReadOnlyCollection<double> milliseconds)
    {
        if (milliseconds.Count == 0)
        {
            return new Latency(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        }
        var sorted = milliseconds.Order().ToArray();
        double At(double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new Latency(sorted.Length, Math.Round(Enumerable.Average(sorted), 3), Round(At(0.50)), Round(At(0.95)), Round(At(0.99)), Round(sorted[^1]));
    }

    private static double Round(double value) => Math.Round(value, value < 10 ? 3 : 1);

    public string Describe() => Count == 0 ? "no samples" : string.Create(CultureInfo.InvariantCulture, $"p50 {Ms(P50)}, p95 {Ms(P95)}, p99 {Ms(P99)}");

    public static string Ms(double value) =>
        double.IsNaN(value) ? "-" : value.ToString(value < 1 ? "0.00" : value < 100 ? "0.0" : "0", CultureInfo.InvariantCulture) + " ms";
}

/// <summary>Smallest and largest of repeated measurements of one figure.</summary>
public sealed record Spread(double Min, double Max, int Runs)
{
    public static Spread Of(IEnumerable<double> values)
    {
        var list = values.Where(v => !double.IsNaN(v)).ToList();
        return list.Count == 0 ? new Spread(double.NaN, double.NaN, 0) : new Spread(list.Min(), list.Max(), list.Count);
    }
}

/// <summary>One line of the results table: a measure, the product's figure beside the raw baseline's, and the goal.</summary>
public sealed record TableRow(string Scenario, string Measure, string Consortium, string Baseline, string Goal, bool? Met);

/// <summary>A goal of issues 4-6 and whether this run met it.</summary>
public sealed record GoalResult(string Scenario, string Goal, string Measured, bool Met);

/// <summary>Percentiles for the plot: one group per measure, the product beside its baseline.</summary>
public sealed record PlotGroup(string Scenario, string Label, Latency Consortium, Latency? Baseline);

/// <summary>Everything one run measured; written as docs/benchmarks/results.json.</summary>
public sealed class BenchmarkResults
{
    public DateTimeOffset StartedAt { get; init; }

    public double DurationSeconds { get; set; }

    public string Command { get; init; } = "";

    public required MachineDescription Machine { get; init; }

    public Dictionary<string, string> PostgresSettings { get; init; } = [];

    public required Options Options { get; init; }

    public string? Commit { get; init; }

    public ImportResults? Import { get; set; }

    public SearchResults? Search { get; set; }

    public LiveResults? Live { get; set; }

    /// <summary>The live scenario on two server processes and one Redis (issue 20).</summary>
    public LiveResults? LiveTwoNodes { get; set; }

    public FootprintResults? Footprint { get; set; }

    public FeedResults? Feed { get; set; }

    public WebhookResults? Webhooks { get; set; }

    public List<GoalResult> Goals { get; } = [];

    public List<string> Notes { get; } = [];

    [JsonIgnore]
    public List<TableRow> Table { get; } = [];

    [JsonIgnore]
    public List<PlotGroup> Plot { get; } = [];
}

public sealed record ImportResults(
    int Rows, long FileBytes, double ApiSeconds, double ApiRowsPerSecond, int Imported, int Rejected, int Duplicates, string ResponseShape,
    IReadOnlyList<double> RawCopySeconds, double RawRowsPerSecond, Spread RawRowsPerSecondSpread,
    double ServerPeakRssMiB, string ApiCpu, string RawCpu);

public sealed record SearchQueryResult(
    string Name, string Description, Latency Api, Latency RawMain, Latency RawEndpoint, Spread ApiP95, Spread RawMainP95, long MatchesOfFirst,
    string MainStatement);

public sealed record SearchResults(int Rows, int Rounds, int SamplesPerRound, IReadOnlyList<SearchQueryResult> Queries, Latency SignedInFloor, string Cpu, IReadOnlyList<string> Plans);

public sealed record LiveRun(
    string Target, int Rate, int Seconds, int Clients, int Posted, int PostErrors, double AchievedRate, long Expected, long Delivered,
    long Duplicates, long Leaked, double Completeness, Latency Delivery, Latency Post, string Cpu)
{
    /// <summary>CPU-seconds of the server process over the run (posting and draining): divided by <see cref="Posted"/>, a cost per note that other load on the machine does not change much.</summary>
    public double ServerCpuSeconds { get; init; }

    /// <summary>CPU-seconds of PostgreSQL (postmaster and every backend) over the run.</summary>
    public double PostgresCpuSeconds { get; init; }

    /// <summary>
    /// Delivery by the second in which each note was posted: a p99 over a minute cannot tell a few long stalls from a
    /// slow fan-out throughout, and the UTC times line the stalls up with the server's and PostgreSQL's logs.
    /// </summary>
    public IReadOnlyList<LiveSecond> Timeline { get; init; } = [];
}

/// <summary>One second of a live run: notes posted in it, their deliveries, and how late the latest of them were.</summary>
public sealed record LiveSecond(int Second, DateTimeOffset At, int Notes, long Deliveries, long Over50Ms, double P99, double Max);

public sealed record LiveResults(int Outlets, int ClientsPerOutlet, int Records, string Mix, IReadOnlyList<LiveRun> Runs, double SerialisedCommitsPerSecond, Latency SerialisedCommit);

public sealed record FootprintResults(int Records, int Connections, double RssMiB, double PeakRssMiB, double IdleRssMiB, double AfterImportRssMiB, string DatabaseSize)
{
    /// <summary>The postmaster and the processes under it when the footprint was read (each backend is one of them).</summary>
    public int PostgresProcesses { get; init; }

    /// <summary>Their proportional set size: private memory whole, shared buffers once and as far as touched.</summary>
    public double PostgresPssMiB { get; init; }
}
