namespace Consortium.Benchmarks;

/// <summary>The two-node live scenario's rows: each figure beside the one-node server's of the same run.</summary>
public static partial class Report
{
    private const string TwoNodes = "Live annotations, two nodes";

    private static void EvaluateTwoNodes(BenchmarkResults results)
    {
        if (results.LiveTwoNodes is not { } two)
        {
            return;
        }
        foreach (var run in two.Runs)
        {
            var rate = run.Rate;
            var one = results.Live?.Runs.FirstOrDefault(r => r.Rate == rate && r.Target == "Consortium");
            // The one-node guarantees, and no duplicate: a note relayed back to the node it was posted on would be one.
            var complete = run.Delivered == run.Expected && run.Leaked == 0 && run.Duplicates == 0 && run.PostErrors == 0 && run.AchievedRate >= 0.95 * rate;
            results.Table.Add(new TableRow(TwoNodes,
                F($"{rate}/s for {run.Seconds} s, {run.Clients} clients alternating over 2 nodes, notes posted to both: post → delivery p50 / p99"),
                F($"{Latency.Ms(run.Delivery.P50)} / **{Latency.Ms(run.Delivery.P99)}** ({run.AchievedRate:0}/s achieved; POST p50 {Latency.Ms(run.Post.P50)}, p99 {Latency.Ms(run.Post.P99)})"),
                one is null ? "" : F($"one node, same run: {Latency.Ms(one.Delivery.P50)} / **{Latency.Ms(one.Delivery.P99)}**"),
                "p99 beside the one-node figure", null));
            results.Table.Add(new TableRow(TwoNodes, F($"{rate}/s: delivered to entitled clients"),
                F($"{run.Completeness:P2} ({run.Delivered:N0} of {run.Expected:N0}; {run.Leaked} to others, {run.Duplicates} duplicates, {run.PostErrors} failed posts)"),
                one is null ? "" : F($"one node: {one.Completeness:P2} ({one.Leaked} to others, {one.Duplicates} duplicates)"),
                "100%, none to others, no duplicate, at the planned rate", complete));
            results.Table.Add(new TableRow(TwoNodes, F($"{rate}/s: server CPU per accepted note, both processes summed"),
                F($"{1000 * run.ServerCpuSeconds / Math.Max(1, run.Posted):0.00} ms (PostgreSQL {1000 * run.PostgresCpuSeconds / Math.Max(1, run.Posted):0.00} ms)"),
                one is null ? "" : F($"one node: {1000 * one.ServerCpuSeconds / Math.Max(1, one.Posted):0.00} ms (PostgreSQL {1000 * one.PostgresCpuSeconds / Math.Max(1, one.Posted):0.00} ms)"),
                "", null));
            results.Goals.Add(new GoalResult(LiveTwoNodeScenario.Name, F($"{rate}/s on two nodes: every entitled client gets every note once, no other client does, at that rate"),
                F($"{run.Completeness:P2} of {run.Posted:N0} accepted notes at {run.AchievedRate:0}/s, {run.Leaked} leaked, {run.Duplicates} duplicates; p99 {Latency.Ms(run.Delivery.P99)} (one node {Latency.Ms(one?.Delivery.P99 ?? double.NaN)})"),
                complete));
            // Plotted alone: the plot's orange bars are raw baselines, which the one-node figure is not.
            results.Plot.Add(new PlotGroup(LiveTwoNodeScenario.Name, F($"live {rate}/s, 2 nodes"), run.Delivery, null));
        }
    }
}
