using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using ScottPlot;

namespace Consortium.Benchmarks;

/// <summary>Turns the measurements into the goals' verdicts, the table, results.json, the plot and the section of docs/performance.md.</summary>
public static partial class Report
{
    public const string StartMarker = "<!-- benchmark-results:start -->";
    public const string EndMarker = "<!-- benchmark-results:end -->";

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    public static void Evaluate(BenchmarkResults results)
    {
        if (results.Import is { } import)
        {
            var half = import.ApiRowsPerSecond >= 0.5 * import.RawRowsPerSecond;
            results.Table.Add(new TableRow("Import", F($"{import.Rows:N0} CSV rows, rows/s"), F($"{import.ApiRowsPerSecond:N0} rows/s ({import.ApiSeconds:0.0} s)"),
                F($"{import.RawRowsPerSecond:N0} rows/s (binary COPY, {import.RawCopySeconds.Min():0.0}–{import.RawCopySeconds.Max():0.0} s over {import.RawCopySeconds.Count} runs)"),
                "≥ half the raw rate", half));
            results.Goals.Add(new GoalResult("import", "at least half the raw COPY rate", F($"{import.ApiRowsPerSecond / import.RawRowsPerSecond:P0} of raw"), half));
            if (import.Rows >= 1_000_000)
            {
                var underMinute = import.ApiSeconds * 1_000_000 / import.Rows < 60;
                results.Table.Add(new TableRow("Import", "1,000,000 rows", F($"{import.ApiSeconds * 1_000_000 / import.Rows:0.0} s"), F($"{1_000_000 / import.RawRowsPerSecond:0.0} s"), "< 60 s", underMinute));
                results.Goals.Add(new GoalResult("import", "1M rows in under 60 s", F($"{import.ApiSeconds:0.0} s"), underMinute));
            }
            results.Table.Add(new TableRow("Import", "server peak RSS during the import", F($"{import.ServerPeakRssMiB:0} MiB"), "", "", null));
        }
        if (results.Search is { } search)
        {
            foreach (var query in search.Queries)
            {
                var met = query.Api.P95 < 100 && query.Api.P95 <= query.RawMain.P95 + 20;
                results.Table.Add(new TableRow("Search", F($"{query.Name}: p50 / p95 / p99"),
                    F($"{Latency.Ms(query.Api.P50)} / **{Latency.Ms(query.Api.P95)}** / {Latency.Ms(query.Api.P99)} (p95 {Latency.Ms(query.ApiP95.Min)}–{Latency.Ms(query.ApiP95.Max)} over {query.ApiP95.Runs} rounds)"),
                    F($"{Latency.Ms(query.RawMain.P50)} / **{Latency.Ms(query.RawMain.P95)}** / {Latency.Ms(query.RawMain.P99)} ({query.MainStatement}); all the endpoint's statements p95 {Latency.Ms(query.RawEndpoint.P95)}"),
                    "p95 < 100 ms and ≤ raw p95 + 20 ms", met));
                results.Goals.Add(new GoalResult("search", F($"{query.Name}: p95 < 100 ms and within raw p95 + 20 ms"), F($"API p95 {Latency.Ms(query.Api.P95)}, raw p95 {Latency.Ms(query.RawMain.P95)}"), met));
                results.Plot.Add(new PlotGroup("search", query.Name, query.Api, query.RawMain));
            }
            results.Table.Add(new TableRow("Search", "signed-in request that reads nothing (GET /api/me): p50 / p95 / p99",
                F($"{Latency.Ms(search.SignedInFloor.P50)} / {Latency.Ms(search.SignedInFloor.P95)} / {Latency.Ms(search.SignedInFloor.P99)}"), "", "", null));
        }
        if (results.Live is { } live)
        {
            foreach (var rate in live.Runs.Select(r => r.Rate).Distinct())
            {
                var api = live.Runs.FirstOrDefault(r => r.Rate == rate && r.Target == "Consortium");
                var raw = live.Runs.FirstOrDefault(r => r.Rate == rate && r.Target != "Consortium");
                if (api is null)
                {
                    continue;
                }
                // "No loss at 400/s" means at 400/s: notes the server never accepted because it fell behind count against it.
                var complete = api.Delivered == api.Expected && api.Leaked == 0 && api.PostErrors == 0 && api.AchievedRate >= 0.95 * rate;
                var fast = api.Delivery.P99 < 50 && (raw is null || api.Delivery.P99 <= 10 * raw.Delivery.P99);
                results.Table.Add(new TableRow("Live annotations", F($"{rate}/s for {api.Seconds} s, {api.Clients} clients: post → delivery p50 / p99"),
                    F($"{Latency.Ms(api.Delivery.P50)} / **{Latency.Ms(api.Delivery.P99)}** ({api.AchievedRate:0}/s achieved; POST p50 {Latency.Ms(api.Post.P50)}, p99 {Latency.Ms(api.Post.P99)})"),
                    raw is null ? "" : F($"{Latency.Ms(raw.Delivery.P50)} / **{Latency.Ms(raw.Delivery.P99)}** ({raw.AchievedRate:0}/s achieved)"),
                    rate == 200 ? "p99 < 50 ms and ≤ 10 × raw p99" : "", rate == 200 ? fast : null));
                results.Table.Add(new TableRow("Live annotations", F($"{rate}/s: delivered to entitled clients"),
                    F($"{api.Completeness:P2} ({api.Delivered:N0} of {api.Expected:N0}; {api.Leaked} to others, {api.Duplicates} duplicates, {api.PostErrors} failed posts)"),
                    raw is null ? "" : F($"{raw.Completeness:P2} ({raw.Delivered:N0} of {raw.Expected:N0})"),
                    "100%, none to others, at the planned rate", complete));
                if (rate == 200)
                {
                    results.Goals.Add(new GoalResult("live", "200/s: p99 under 50 ms and within 10× the raw broadcast", F($"p99 {Latency.Ms(api.Delivery.P99)}, raw p99 {Latency.Ms(raw?.Delivery.P99 ?? double.NaN)}"), fast));
                }
                results.Goals.Add(new GoalResult("live", F($"{rate}/s: every entitled client gets every note, no other client does, at that rate"), F($"{api.Completeness:P2} of {api.Posted:N0} accepted notes at {api.AchievedRate:0}/s, {api.Leaked} leaked"), complete));
                results.Plot.Add(new PlotGroup("live", F($"live {rate}/s"), api.Delivery, raw?.Delivery));
            }
            results.Table.Add(new TableRow("Live annotations", "ceiling of one-at-a-time commits (advisory lock, insert, commit)", "",
                F($"{live.SerialisedCommitsPerSecond:0}/s; commit p50 {Latency.Ms(live.SerialisedCommit.P50)}, p99 {Latency.Ms(live.SerialisedCommit.P99)}"), "", null));
        }
        EvaluateTwoNodes(results);
        if (results.Feed is { } feed)
        {
            var fast = feed.ApiEntriesPerSecond >= 50_000;
            results.Table.Add(new TableRow("Feed catch-up", F($"{feed.Entries:N0} entries from cursor 0, pages of 1,000, entries/s (after {feed.WarmUpEntries:N0} not timed, read at {feed.WarmUpEntriesPerSecond:N0}/s)"),
                F($"{feed.ApiEntriesPerSecond:N0} entries/s ({feed.ApiSeconds:0.0} s)"), F($"{feed.RawRowsPerSecond:N0} rows/s (raw SQL, same rows, {feed.RawSeconds:0.0} s)"),
                "≥ 50,000 entries/s at 1,000,000", feed.Entries >= 1_000_000 ? fast : null));
            results.Goals.Add(new GoalResult("feed", "catch-up through the HTTP feed at ≥ 50,000 entries/s", F($"{feed.ApiEntriesPerSecond:N0} entries/s on {feed.Entries:N0}"), fast));
        }
        if (results.Webhooks is { } hooks)
        {
            var quick = hooks.Delivered == hooks.Expected && hooks.CommitToDelivery.P99 < 1000;
            results.Table.Add(new TableRow("Webhook fan-out", F($"{hooks.Rate} notes/s for {hooks.Seconds} s to {hooks.Endpoints} outlet endpoints, commit to delivery"),
                F($"{hooks.CommitToDelivery.Describe()}; {hooks.Delivered:N0} of {hooks.Expected:N0} delivered"), "", "p99 < 1 s", hooks.Rate >= 200 ? quick : null));
            results.Goals.Add(new GoalResult("webhooks", "every delivery, p99 from commit to delivery under 1 s at 200 notes/s", F($"{hooks.CommitToDelivery.Describe()}, {hooks.Delivered:N0} of {hooks.Expected:N0} at {hooks.Rate}/s"), quick));
        }
        if (results.Footprint is { } footprint)
        {
            var small = footprint.RssMiB < 1024;
            results.Table.Add(new TableRow("Footprint", F($"server RSS, {footprint.Records:N0} records, {footprint.Connections} hub connections"),
                F($"{footprint.RssMiB:0} MiB (after start {footprint.IdleRssMiB:0} MiB, after the import {footprint.AfterImportRssMiB:0} MiB, peak over the run {footprint.PeakRssMiB:0} MiB)"),
                F($"database {footprint.DatabaseSize}"), "< 1 GiB", small));
            results.Table.Add(new TableRow("Footprint", "PostgreSQL's memory at the same moment (Pss of the postmaster and every process under it)",
                F($"{footprint.PostgresPssMiB:0} MiB in {footprint.PostgresProcesses} processes"), "", "", null));
            results.Goals.Add(new GoalResult("footprint", "server RSS under 1 GiB", F($"{footprint.RssMiB:0} MiB"), small));
        }
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter() },
    };

    public static void WriteJson(BenchmarkResults results, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, JsonSerializer.Serialize(results, JsonOptions) + "\n");
    }

    public static string Markdown(BenchmarkResults results, string plotFile)
    {
        var text = new StringBuilder();
        var m = results.Machine;
        text.AppendLine(F($"Measured on {results.StartedAt:yyyy-MM-dd HH:mm} UTC{(results.Commit is null ? "" : $" at commit {results.Commit}")}, the whole run taking {results.DurationSeconds / 60:0.0} minutes, by"));
        text.AppendLine();
        text.AppendLine("```sh").AppendLine(results.Command).AppendLine("```");
        text.AppendLine();
        text.AppendLine(F($"**Machine**: {m.LogicalCpus} logical CPUs ({m.CpuModel}), {m.MemoryGiB} GiB, {m.Os}, {m.Runtime}, {m.PostgresVersion}; load average {m.LoadAverageAtStart:0.00} at the start. {m.Note}"));
        text.AppendLine();
        text.AppendLine("**PostgreSQL settings** (the embedded cluster's defaults): " + string.Join(", ", results.PostgresSettings.Select(s => $"`{s.Key}={s.Value}`")) + ".");
        text.AppendLine();
        text.AppendLine("| Scenario | Measure | Consortium (through the API) | Raw baseline (same run) | Goal | Met |");
        text.AppendLine("|---|---|---|---|---|---|");
        foreach (var row in results.Table)
        {
            text.AppendLine($"| {row.Scenario} | {row.Measure} | {row.Consortium} | {row.Baseline} | {row.Goal} | {(row.Met is null ? "" : row.Met.Value ? "yes" : "**no**")} |");
        }
        text.AppendLine();
        if (results.Plot.Count > 0)
        {
            text.AppendLine($"![Latency percentiles per scenario, Consortium beside its raw baseline, logarithmic scale]({plotFile})");
            text.AppendLine();
        }
        text.AppendLine("CPU per phase (a share of one CPU; 200% is the whole machine):");
        text.AppendLine();
        if (results.Import is { } import)
        {
            text.AppendLine($"- Import through the API: {import.ApiCpu}. Raw COPY: {import.RawCpu}.");
        }
        if (results.Search is { } search)
        {
            text.AppendLine($"- Search (API and raw alternating): {search.Cpu}.");
        }
        foreach (var run in results.Live?.Runs ?? [])
        {
            text.AppendLine($"- Live, {run.Target} at {run.Rate}/s: {run.Cpu}.");
        }
        foreach (var run in results.LiveTwoNodes?.Runs ?? [])
        {
            text.AppendLine($"- Live, two nodes at {run.Rate}/s: {run.Cpu} (server: both processes).");
        }
        foreach (var note in results.Notes)
        {
            text.AppendLine().AppendLine(note);
        }
        return text.ToString();
    }

    /// <summary>Replaces the generated section of docs/performance.md, leaving the hand-written investigation around it alone.</summary>
    public static void UpdateDocument(string path, string section)
    {
        var document = File.Exists(path) ? File.ReadAllText(path) : "# Performance\n";
        var start = document.IndexOf(StartMarker, StringComparison.Ordinal);
        var end = document.IndexOf(EndMarker, StringComparison.Ordinal);
        var block = StartMarker + "\n" + section.TrimEnd() + "\n" + EndMarker;
        document = start >= 0 && end > start
            ? document[..start] + block + document[(end + EndMarker.Length)..]
            : document.TrimEnd() + "\n\n## Results\n" + block + "\n";
        File.WriteAllText(path, document);
    }

    /// <summary>p50, p95 and p99 of every measure, Consortium beside its baseline, on a logarithmic axis.</summary>
    public static void WritePlot(BenchmarkResults results, string path)
    {
        if (results.Plot.Count == 0)
        {
            return;
        }
        var plot = new Plot();
        Color[] ours = [Colors.SteelBlue.Lighten(0.4), Colors.SteelBlue, Colors.Navy];
        Color[] raw = [Colors.Orange.Lighten(0.4), Colors.DarkOrange, Colors.OrangeRed.Darken(0.3)];
        const double floor = 0.01;
        var bars = new List<Bar>();
        var positions = new List<double>();
        var labels = new List<string>();
        for (var g = 0; g < results.Plot.Count; g++)
        {
            var group = results.Plot[g];
            var x0 = g * 8.0;
            double[] api = [group.Consortium.P50, group.Consortium.P95, group.Consortium.P99];
            for (var i = 0; i < 3; i++)
            {
                bars.Add(Bar(x0 + i, api[i], ours[i]));
                if (group.Baseline is { } b)
                {
                    double[] rawValues = [b.P50, b.P95, b.P99];
                    bars.Add(Bar(x0 + 3.5 + i, rawValues[i], raw[i]));
                }
            }
            positions.Add(x0 + 2.75);
            labels.Add(group.Label);
        }
        plot.Add.Bars(bars);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. positions], [.. labels]);
        plot.Axes.Bottom.TickLabelStyle.Rotation = 30;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Bottom.MinimumSize = 140;
        double[] ticks = [0.01, 0.1, 1, 10, 100, 1000, 10000];
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. ticks.Select(Math.Log10)], [.. ticks.Select(t => t.ToString("0.##", CultureInfo.InvariantCulture) + " ms")]);
        plot.Axes.SetLimitsY(Math.Log10(floor), Math.Log10(Math.Max(200, results.Plot.Max(p => Math.Max(p.Consortium.P99, p.Baseline?.P99 ?? 0)) * 2)));
        plot.Title("Latency percentiles: Consortium (blue: p50, p95, p99) beside the raw baseline (orange), log scale");
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "Consortium p50 / p95 / p99", FillColor = ours[1] });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "raw SQL or bare SignalR p50 / p95 / p99", FillColor = raw[1] });
        plot.Legend.Alignment = Alignment.UpperLeft;
        plot.ShowLegend();
        plot.SavePng(path, Math.Max(1000, results.Plot.Count * 130), 650);

        Bar Bar(double x, double value, Color color) => new()
        {
            Position = x,
            Value = Math.Log10(Math.Max(floor, double.IsNaN(value) ? floor : value)),
            ValueBase = Math.Log10(floor),
            FillColor = color,
            Size = 0.9,
        };
    }
}
