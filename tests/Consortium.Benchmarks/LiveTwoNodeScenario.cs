using Consortium.Client;
using Microsoft.AspNetCore.SignalR.Client;

namespace Consortium.Benchmarks;

/// <summary>
/// Scenario 7 (issue 20): the live scenario on two server processes, one PostgreSQL, one Redis. The same 17 × N hub
/// clients, every other one connected to the other node; the same notes at the same rates, every other one posted to
/// the other node, so most deliveries cross nodes through the Redis relay (decision 0029). Measured as scenario 3 is
/// (post → delivery on the load generator's clock, every entitled client, none other, duplicates), the server's CPU
/// summed over both processes. It runs last: it replaces the one-node server for good.
/// </summary>
public static class LiveTwoNodeScenario
{
    public const string Name = "live2";

    /// <summary>The one-node live scenario's rates, so each figure has its one-node twin in the same run.</summary>
    private static readonly int[] Rates = [200, 400];

    public static async Task<LiveResults> RunAsync(BenchmarkEnvironment environment, Investigation investigation, Guid datasetId, Options options, TextWriter log)
    {
        var reporter = environment.ClientFor(Investigation.Reporter);
        var records = (await reporter.ListRecordsAsync(datasetId, limit: LiveScenario.Records)).Items.Select(r => r.Id).ToList();
        log.WriteLine("  replacing the server by two nodes on the same database and keys, with a Redis");
        await using var cluster = await TwoNodeCluster.StartAsync(environment, log);
        log.WriteLine($"  leaders: {await cluster.NodesAsync("b")}");
        var cpu = new CpuMeter(() => cluster.Pids, () => environment.PostmasterPid);
        var runs = new List<LiveRun>();
        await using (var target = new TwoNodeTarget(cluster, investigation))
        {
            await LiveScenario.RunTargetAsync(target, investigation, records, Rates, options, cpu, runs, log);
            log.WriteLine($"  hub clients per node: {string.Join(", ", target.ConnectionsPerNode.Select(n => $"{n.Key} {n.Value}"))}; notes posted per node (warm-up included): {string.Join(", ", target.PostsPerNode.Select(n => $"{n.Key} {n.Value}"))}");
        }
        // The commit ceiling is the one-node scenario's (same database, same disk): not measured again here.
        return new LiveResults(investigation.Outlets.Count, options.OutletClients, records.Count, "70% consortium, 20% outlet, 10% private", runs, double.NaN, Latency.Of([]));
    }

    /// <summary>The two nodes: hub clients alternate between them by their place in the list, posts by their order.</summary>
    private sealed class TwoNodeTarget(TwoNodeCluster cluster, Investigation investigation) : LiveScenario.ITarget
    {
        private readonly SocketsHttpHandler handler = new() { MaxConnectionsPerServer = 64, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        private readonly Dictionary<(string User, string Node), ConsortiumClient> posters = [];
        private readonly Dictionary<string, int> places = investigation.LivePeople.Select((p, i) => (p.User, i)).ToDictionary(p => p.User, p => p.i, StringComparer.Ordinal);
        private long posted;

        public string Name => "Two nodes";

        public Dictionary<string, int> ConnectionsPerNode { get; } = TwoNodeCluster.Names.ToDictionary(n => n, _ => 0, StringComparer.Ordinal);

        public Dictionary<string, long> PostsPerNode { get; } = TwoNodeCluster.Names.ToDictionary(n => n, _ => 0L, StringComparer.Ordinal);

        public HubConnection CreateConnection(Investigation.LivePerson person)
        {
            var node = TwoNodeCluster.Names[places[person.User] % TwoNodeCluster.Names.Length];
            lock (ConnectionsPerNode)
            {
                ConnectionsPerNode[node]++;
            }
            return cluster.ClientFor(person.User, node).CreateHubConnection();
        }

        public async Task JoinAsync(HubConnection connection, Investigation.LivePerson person, IReadOnlyList<Guid> records)
        {
            foreach (var record in records)
            {
                await connection.InvokeAsync(HubMethods.JoinRecord, record);
            }
        }

        public async Task<bool> PostAsync(Investigation.LivePerson poster, Guid record, AnnotationView annotation)
        {
            var node = TwoNodeCluster.Names[(int)(Interlocked.Increment(ref posted) % TwoNodeCluster.Names.Length)];
            ConsortiumClient client;
            lock (posters)
            {
                if (!posters.TryGetValue((poster.User, node), out client!))
                {
                    posters[(poster.User, node)] = client = cluster.ClientFor(poster.User, node, handler);
                }
                PostsPerNode[node]++;
            }
            await client.AddNoteAsync(record, new NewNote(annotation.Text, annotation.Visibility));
            return true;
        }

        public ValueTask DisposeAsync()
        {
            handler.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
