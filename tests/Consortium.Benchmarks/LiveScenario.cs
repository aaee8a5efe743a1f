using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Consortium.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Consortium.Benchmarks;

/// <summary>
/// Scenario 3: 17 outlets × N hub clients, each a real SignalR connection signed in as a reporter of its outlet and
/// joined to the same records; notes posted through POST /api/records/{id}/annotations at a steady rate, 70% visible to
/// the consortium, 20% to the author's outlet, 10% private. For every note: the time from the start of its POST to
/// its arrival at each client entitled to it, whether every entitled client got it (and no other did). Beside it the
/// same load on a bare SignalR hub hosted by this program: the same payload, clients and groups, no sign-in, no database.
/// </summary>
public static class LiveScenario
{
    public const int Records = 10;
    // As many as the HTTP connections the poster keeps: beyond that, posts would queue inside the client, not the server.
    private const int MaxInFlight = 64;

    // Each target first carries a short load that is not measured: the server's code for a note (and the bare hub's)
    // runs unoptimised until the runtime's tiered JIT has recompiled it, which took the first seconds of whichever
    // rate came first (delivery p99 at 200/s ranged from 39 to 829 ms in 20-second runs of the same code).
    private const int WarmUpRate = 100;
    private const int WarmUpSeconds = 10;
    private const int IdleSeconds = 5;

    // On servers started just before (the two nodes of live2) the JIT's background recompiling outlasted that warm-up
    // by far: their tiered-compilation threads used 20-60% of a CPU all through a 20-second 200/s phase, and most of a
    // CPU in the "idle" seconds. So the warm-up goes on, in rounds, until a round passes with the servers' recompiling
    // under RecompilingShare of a CPU (at most MostWarmUpRounds more), then waits for the servers to be quiet.
    private const int WarmUpRoundSeconds = 5;
    private const int MostWarmUpRounds = 12;
    private const double RecompilingShare = 0.05;
    private const double QuietShare = 0.10;
    private static readonly TimeSpan MostSettling = TimeSpan.FromSeconds(60);

    /// <summary>A connected client of either target, and what it received.</summary>
    private sealed class Receiver(int index, string outletId, string user)
    {
        public int Index { get; } = index;

        public string OutletId { get; } = outletId;

        public string User { get; } = user;

        public HubConnection Connection { get; set; } = null!;

        public List<(int N, long At)> Received { get; } = new(16_384);

        /// <summary>Messages that carried this run's notes (a batched push carries several).</summary>
        public int Messages;

        /// <summary>Transport drops, and how each ended: resumed on the same connection (stateful reconnect) or on a new one.</summary>
        public int Reconnecting;

        public int ResumedSameConnection;

        public int NewConnection;

        public string? LastError;

        public string Describe() =>
            Reconnecting == 0 ? "" : $", {Reconnecting} drops: {ResumedSameConnection} resumed, {NewConnection} new connection{(LastError is null ? "" : $" ({LastError})")}";
    }

    /// <summary>Where notes are posted and pushed from: the real server, or the bare hub.</summary>
    internal interface ITarget : IAsyncDisposable
    {
        string Name { get; }

        HubConnection CreateConnection(Investigation.LivePerson person);

        Task JoinAsync(HubConnection connection, Investigation.LivePerson person, IReadOnlyList<Guid> records);

        Task<bool> PostAsync(Investigation.LivePerson poster, Guid record, AnnotationView annotation);

        /// <summary>The database whose statement statistics describe this target's runs (only with --pg-stats), or null.</summary>
        BenchmarkEnvironment? Statistics => null;
    }

    public static async Task<LiveResults> RunAsync(BenchmarkEnvironment environment, Investigation investigation, Guid datasetId, Options options, CpuMeter cpu, TextWriter log)
    {
        var reporter = environment.ClientFor(Investigation.Reporter);
        var records = (await reporter.ListRecordsAsync(datasetId, limit: Records)).Items.Select(r => r.Id).ToList();
        var runs = new List<LiveRun>();
        int[] rates = [200, 400];
        await using (ITarget raw = await BareHubTarget.StartAsync())
        {
            await RunTargetAsync(raw, investigation, records, rates, options, cpu, runs, log);
        }
        await using (ITarget real = new ServerTarget(environment, records))
        {
            await RunTargetAsync(real, investigation, records, rates, options, cpu, runs, log);
        }
        var ceiling = await SerialisedCommitsAsync(environment, log);
        return new LiveResults(investigation.Outlets.Count, options.OutletClients, records.Count, "70% consortium, 20% outlet, 10% private", runs, ceiling.PerSecond, ceiling.Latency);
    }

    /// <summary>
    /// The most commits per second one writer at a time can make here (an advisory lock, one small insert, commit with
    /// the cluster's durability settings): the ceiling of any write path that holds one lock through its commit.
    /// </summary>
    private static async Task<(double PerSecond, Latency Latency)> SerialisedCommitsAsync(BenchmarkEnvironment environment, TextWriter log)
    {
        await using var connection = await environment.OpenAsync();
        await using (var create = new Npgsql.NpgsqlCommand("create table if not exists public.raw_commits (at timestamptz not null default now(), payload text)", connection))
        {
            await create.ExecuteNonQueryAsync();
        }
        var latencies = new List<double>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            var one = Stopwatch.StartNew();
            await using (var transaction = await connection.BeginTransactionAsync())
            {
                await using (var command = new Npgsql.NpgsqlCommand("select pg_advisory_xact_lock(42); insert into public.raw_commits (payload) values ('x')", connection, transaction))
                {
                    await command.ExecuteNonQueryAsync();
                }
                await transaction.CommitAsync();
            }
            latencies.Add(one.Elapsed.TotalMilliseconds);
        }
        await using (var drop = new Npgsql.NpgsqlCommand("drop table public.raw_commits", connection))
        {
            await drop.ExecuteNonQueryAsync();
        }
        var perSecond = Math.Round(latencies.Count / clock.Elapsed.TotalSeconds);
        var latency = Latency.Of(latencies);
        log.WriteLine($"  serialised commits (lock, insert, commit; one at a time): {perSecond}/s, {latency.Describe()}");
        return (perSecond, latency);
    }

    internal static async Task RunTargetAsync(ITarget target, Investigation investigation, List<Guid> records, int[] rates, Options options, CpuMeter cpu, List<LiveRun> runs, TextWriter log)
    {
        var receivers = investigation.LivePeople.Select((p, i) => new Receiver(i, p.OutletId, p.User)).ToList();
        log.WriteLine($"  {target.Name}: connecting {receivers.Count} hub clients and joining {records.Count} records each");
        var currentRun = "";
        var joining = Stopwatch.StartNew();
        var joinCpu = cpu.Take();
        await Parallel.ForEachAsync(receivers, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (receiver, token) =>
        {
            var person = investigation.LivePeople[receiver.Index];
            var connection = target.CreateConnection(person);
            string? connectionId = null;
            // The bare hub sends one message per note, as our server did before batching (decision 0020).
            connection.On<AnnotationView>(BareHubTarget.Method, annotation =>
            {
                var at = Stopwatch.GetTimestamp();
                if (Marker(annotation.Text, currentRun) is { } n)
                {
                    lock (receiver.Received)
                    {
                        receiver.Received.Add((n, at));
                        receiver.Messages++;
                    }
                }
            });
            // Our server sends each connection one message with every change of a batch it may read: each note's arrival
            // is the message's.
            connection.On<IReadOnlyList<AnnotationPush>>(nameof(IConsortiumClient.AnnotationsPushed), pushes =>
            {
                var at = Stopwatch.GetTimestamp();
                lock (receiver.Received)
                {
                    var counted = false;
                    foreach (var push in pushes)
                    {
                        if (push.Added && Marker(push.Annotation.Text, currentRun) is { } n)
                        {
                            receiver.Received.Add((n, at));
                            if (!counted)
                            {
                                receiver.Messages++;
                                counted = true;
                            }
                        }
                    }
                }
            });
            connection.Reconnecting += error =>
            {
                Interlocked.Increment(ref receiver.Reconnecting);
                receiver.LastError = error?.GetBaseException().Message;
                return Task.CompletedTask;
            };
            connection.Reconnected += async newId =>
            {
                if (newId == connectionId)
                {
                    // Stateful reconnect: the server kept the connection, its groups and the messages not acknowledged.
                    Interlocked.Increment(ref receiver.ResumedSameConnection);
                    return;
                }
                // A new connection has no groups: join again, as the record page and LiveAnnotations do.
                Interlocked.Increment(ref receiver.NewConnection);
                connectionId = newId;
                await target.JoinAsync(connection, person, records);
            };
            await connection.StartAsync(token);
            connectionId = connection.ConnectionId;
            await target.JoinAsync(connection, person, records);
            receiver.Connection = connection;
        });
        // What it costs when a whole consortium opens the same records at once (presence included).
        log.WriteLine($"  {target.Name}: connected and joined in {joining.Elapsed.TotalSeconds:0.0} s; {cpu.Since(joinCpu).Describe()}");
        try
        {
            currentRun = $"{target.Name}-warm-{Guid.NewGuid():N}"[..24];
            var warmUp = await PostAtRateAsync(target, investigation, records, receivers, WarmUpRate, WarmUpSeconds, currentRun, cpu, log);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {target.Name}: warmed up with {warmUp.Posted} notes at {WarmUpRate}/s (not measured; delivery {warmUp.Delivery.Describe()})"));
            for (var round = 1; round <= MostWarmUpRounds; round++)
            {
                currentRun = $"{target.Name}-warm{round}-{Guid.NewGuid():N}"[..24];
                ForgetReceived(receivers);
                var recompiling = cpu.RecompilingSeconds();
                var roundTime = Stopwatch.StartNew();
                var more = await PostAtRateAsync(target, investigation, records, receivers, WarmUpRate, WarmUpRoundSeconds, currentRun, cpu, log);
                var share = (cpu.RecompilingSeconds() - recompiling) / roundTime.Elapsed.TotalSeconds;
                log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {target.Name}: warm-up round {round}: the JIT recompiling {share:P0} of a CPU (delivery {more.Delivery.Describe()})"));
                if (share < RecompilingShare)
                {
                    break;
                }
            }
            var settling = await SettleAsync(cpu);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {target.Name}: servers quiet (under {QuietShare:P0} of a CPU each for a second) {settling.TotalSeconds:0} s after the warm-up"));
            // What the server burns with every client connected and no note posted (re-checks, polls, sweepers): the
            // measured rates below charge it to their notes, so it is worth knowing on its own.
            var idleCpu = cpu.Take();
            await Task.Delay(TimeSpan.FromSeconds(IdleSeconds));
            log.WriteLine($"  {target.Name}: idle with {receivers.Count} clients for {IdleSeconds} s: {cpu.Since(idleCpu).Describe()}");
            foreach (var rate in rates)
            {
                currentRun = $"{target.Name}-{rate}-{Guid.NewGuid():N}"[..24];
                ForgetReceived(receivers);
                var statements = target.Statistics;
                if (statements is not null)
                {
                    await statements.ResetStatementStatisticsAsync();
                }
                var run = await PostAtRateAsync(target, investigation, records, receivers, rate, options.LiveSeconds, currentRun, cpu, log);
                runs.Add(run);
                log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {target.Name} at {rate}/s: delivery {run.Delivery.Describe()}; {run.Completeness:P3} delivered ({run.Delivered:N0}/{run.Expected:N0}), {run.Leaked} to clients not entitled, {run.Duplicates} duplicates; posts {run.Post.Describe()}, {run.AchievedRate:0.0}/s achieved, {run.PostErrors} errors"));
                log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"    CPU per accepted note: server {1000 * run.ServerCpuSeconds / Math.Max(1, run.Posted):0.00} ms, PostgreSQL {1000 * run.PostgresCpuSeconds / Math.Max(1, run.Posted):0.00} ms"));
                if (statements is not null)
                {
                    // What each note costs the database, statement by statement (only with --pg-stats).
                    Directory.CreateDirectory(options.OutputDirectory);
                    var path = Path.Combine(options.OutputDirectory, $"pg-statements-{rate}.txt");
                    await File.WriteAllTextAsync(path, await statements.StatementStatisticsAsync(run.Posted, "note"));
                    log.WriteLine($"    statements per note: {path}");
                }
            }
        }
        finally
        {
            await Task.WhenAll(receivers.Where(r => r.Connection is not null).Select(r => r.Connection.DisposeAsync().AsTask()));
        }
    }

    private static int? Marker(string text, string run)
    {
        // "bench <run> #<n> ..."
        if (text.Length < 8 || !text.AsSpan(6).StartsWith(run))
        {
            return null;
        }
        var hash = text.IndexOf('#', 6 + run.Length);
        var end = text.IndexOf(' ', hash);
        return int.Parse(text.AsSpan(hash + 1, end - hash - 1), CultureInfo.InvariantCulture);
    }

    private static Visibility VisibilityOf(int n) => (n % 10) switch
    {
        < 7 => Visibility.Consortium,
        < 9 => Visibility.Outlet,
        _ => Visibility.Private,
    };

    private static async Task<LiveRun> PostAtRateAsync(
        ITarget target, Investigation investigation, List<Guid> records, List<Receiver> receivers, int rate, int seconds, string run, CpuMeter cpu, TextWriter log)
    {
        var posters = investigation.LivePeople.Where(p => p.Poster).ToArray();
        var total = rate * seconds;
        var sentAt = new long[total];
        var postMs = new double[total];
        var ok = new bool[total];
        var gate = new SemaphoreSlim(MaxInFlight);
        var inFlight = new List<Task>(total);
        var filler = new string('x', 120);
        var started = cpu.Take();
        var startedAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var clockStart = Stopwatch.GetTimestamp();
        var window = TimeSpan.FromSeconds(seconds);
        var issued = 0;
        for (var n = 0; n < total; n++)
        {
            if (clock.Elapsed > window)
            {
                // Behind schedule: what could not be sent within the window is not sent (reported as the achieved rate).
                break;
            }
            issued++;
            var due = TimeSpan.FromSeconds((double)n / rate);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait);
            }
            await gate.WaitAsync();
            var index = n;
            inFlight.Add(Task.Run(async () =>
            {
                try
                {
                    var poster = posters[index % posters.Length];
                    var record = records[index / posters.Length % records.Count];
                    var text = $"bench {run} #{index} {filler}";
                    var annotation = new AnnotationView(Guid.NewGuid(), record, "note", text, VisibilityOf(index), poster.User, poster.User, poster.OutletId, DateTimeOffset.UtcNow, index, Guid.Empty, Guid.Empty);
                    sentAt[index] = Stopwatch.GetTimestamp();
                    ok[index] = await target.PostAsync(poster, record, annotation);
                    postMs[index] = Stopwatch.GetElapsedTime(sentAt[index]).TotalMilliseconds;
                }
                catch (Exception e) when (e is HttpRequestException or ConsortiumProblemException or TaskCanceledException)
                {
                    ok[index] = false;
                }
                finally
                {
                    gate.Release();
                }
            }));
        }
        await Task.WhenAll(inFlight);
        var postingSeconds = Math.Max(seconds, clock.Elapsed.TotalSeconds);

        // Expected deliveries: every entitled client of every accepted post.
        long expected = 0;
        var entitled = new bool[total][];
        for (var n = 0; n < total; n++)
        {
            if (!ok[n])
            {
                continue;
            }
            var poster = posters[n % posters.Length];
            var visibility = VisibilityOf(n);
            entitled[n] = receivers.Select(r => visibility switch
            {
                Visibility.Consortium => true,
                Visibility.Outlet => r.OutletId == poster.OutletId,
                _ => r.User == poster.User,
            }).ToArray();
            expected += entitled[n].Count(e => e);
        }
        // Wait for the stragglers: until everything arrived, or nothing more arrives for 5 s (30 s at most).
        var drain = Stopwatch.StartNew();
        var lastCount = -1L;
        var lastChange = Stopwatch.StartNew();
        while (drain.Elapsed < TimeSpan.FromSeconds(30))
        {
            long count = 0;
            foreach (var receiver in receivers)
            {
                lock (receiver.Received)
                {
                    count += receiver.Received.Count;
                }
            }
            if (count >= expected)
            {
                break;
            }
            if (count != lastCount)
            {
                lastCount = count;
                lastChange.Restart();
            }
            else if (lastChange.Elapsed > TimeSpan.FromSeconds(5))
            {
                break;
            }
            await Task.Delay(100);
        }
        var usage = cpu.Since(started);

        long delivered = 0, duplicates = 0, leaked = 0;
        var latencies = new List<double>((int)Math.Min(expected, int.MaxValue));
        var bySecond = new List<double>[(int)Math.Ceiling(postingSeconds) + 1];
        var shortClients = new List<string>();
        foreach (var receiver in receivers)
        {
            var deliveredBefore = delivered;
            var seen = new HashSet<int>();
            List<(int N, long At)> received;
            lock (receiver.Received)
            {
                received = [.. receiver.Received];
            }
            foreach (var (n, at) in received)
            {
                if (n < 0 || n >= total || entitled[n] is null || !entitled[n][receiver.Index])
                {
                    leaked++;
                    continue;
                }
                if (!seen.Add(n))
                {
                    duplicates++;
                    continue;
                }
                delivered++;
                var latency = Stopwatch.GetElapsedTime(sentAt[n], at).TotalMilliseconds;
                latencies.Add(latency);
                var second = Math.Min(bySecond.Length - 1, (int)Stopwatch.GetElapsedTime(clockStart, sentAt[n]).TotalSeconds);
                (bySecond[second] ??= []).Add(latency);
            }
            var expectedFor = entitled.Count(e => e is not null && e[receiver.Index]);
            if (delivered - deliveredBefore < expectedFor)
            {
                shortClients.Add($"{receiver.User} ({delivered - deliveredBefore}/{expectedFor}, {receiver.Connection?.State}{receiver.Describe()})");
            }
        }
        long messages = 0;
        foreach (var receiver in receivers)
        {
            lock (receiver.Received)
            {
                messages += receiver.Messages;
            }
        }
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"    {messages:N0} messages carried the {delivered + duplicates:N0} deliveries: {(double)(delivered + duplicates) / Math.Max(1, messages):0.00} notes per message"));
        var dropped = receivers.Where(r => r.Reconnecting > 0).ToList();
        if (dropped.Count > 0)
        {
            log.WriteLine($"    {dropped.Count} clients lost their transport so far: {dropped.Sum(r => r.ResumedSameConnection)} resumed on the same connection, {dropped.Sum(r => r.NewConnection)} on a new one (joined again); last error: {dropped.Select(r => r.LastError).LastOrDefault(e => e is not null) ?? "none"}");
        }
        if (shortClients.Count > 0)
        {
            // Which clients missed notes tells a slow fan-out (everyone a little) from lost connections (some, all).
            log.WriteLine($"    {shortClients.Count} clients got less than their share: {string.Join(", ", shortClients.Take(12))}{(shortClients.Count > 12 ? ", …" : "")}");
        }
        var notesBySecond = new int[bySecond.Length];
        for (var n = 0; n < total; n++)
        {
            if (ok[n])
            {
                notesBySecond[Math.Min(bySecond.Length - 1, (int)Stopwatch.GetElapsedTime(clockStart, sentAt[n]).TotalSeconds)]++;
            }
        }
        var timeline = new List<LiveSecond>(bySecond.Length);
        for (var second = 0; second < bySecond.Length; second++)
        {
            var inSecond = Latency.Of(bySecond[second] ?? []);
            timeline.Add(new LiveSecond(second, startedAt.AddSeconds(second), notesBySecond[second], inSecond.Count, bySecond[second]?.Count(l => l > 50) ?? 0, inSecond.P99, inSecond.Max));
        }
        var worst = timeline.Where(s => s.Deliveries > 0).OrderByDescending(s => s.P99).Take(3).ToList();
        if (worst.Count > 0)
        {
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    worst seconds by p99: {string.Join("; ", worst.Select(s => $"{s.At:HH:mm:ss} (second {s.Second}) p99 {Latency.Ms(s.P99)}, max {Latency.Ms(s.Max)}, {s.Over50Ms:N0} of {s.Deliveries:N0} over 50 ms"))}; deliveries over 50 ms in all: {timeline.Sum(s => s.Over50Ms):N0}"));
        }
        var accepted = ok.Count(x => x);
        return new LiveRun(target.Name, rate, seconds, receivers.Count, accepted, issued - accepted, Math.Round(accepted / postingSeconds, 1), expected, delivered, duplicates, leaked,
            expected == 0 ? 0 : (double)delivered / expected, Latency.Of(latencies), Latency.Of(postMs.Where((_, i) => ok[i]).ToArray()), usage.Describe())
        {
            ServerCpuSeconds = Math.Round(usage.ServerSeconds, 2),
            PostgresCpuSeconds = Math.Round(usage.PostgresSeconds, 2),
            Timeline = timeline,
        };
    }

    /// <summary>The real server: hub clients with each person's token, notes posted through the API by each outlet's first reporter.</summary>
    private sealed class ServerTarget(BenchmarkEnvironment environment, IReadOnlyList<Guid> records) : ITarget
    {
        private readonly SocketsHttpHandler handler = new() { MaxConnectionsPerServer = 64, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        private readonly Dictionary<string, ConsortiumClient> posters = [];

        public string Name => "Consortium";

        public BenchmarkEnvironment? Statistics => environment.HasStatementStatistics ? environment : null;

        public HubConnection CreateConnection(Investigation.LivePerson person) => environment.ClientFor(person.User).CreateHubConnection();

        public async Task JoinAsync(HubConnection connection, Investigation.LivePerson person, IReadOnlyList<Guid> joined)
        {
            foreach (var record in joined)
            {
                await connection.InvokeAsync(HubMethods.JoinRecord, record);
            }
        }

        public async Task<bool> PostAsync(Investigation.LivePerson poster, Guid record, AnnotationView annotation)
        {
            ConsortiumClient client;
            lock (posters)
            {
                if (!posters.TryGetValue(poster.User, out client!))
                {
                    posters[poster.User] = client = environment.ClientFor(poster.User, handler);
                }
            }
            await client.AddNoteAsync(record, new NewNote(annotation.Text, annotation.Visibility));
            return true;
        }

        public ValueTask DisposeAsync()
        {
            _ = records;
            handler.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>A bare SignalR hub in this process: the same groups, a POST that broadcasts the payload to one group.</summary>
    private sealed class BareHubTarget(WebApplication app, Uri address) : ITarget
    {
        private readonly HttpClient http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { BaseAddress = address };

        /// <summary>What our hub called its one-note push before pushes were batched; the baseline keeps it.</summary>
        public const string Method = "AnnotationAdded";

        public string Name => "Bare SignalR";

        public static async Task<BareHubTarget> StartAsync()
        {
            var builder = WebApplication.CreateBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseSetting("urls", "http://127.0.0.1:0");
            builder.Services.AddSignalR();
            var app = builder.Build();
            app.MapHub<BareHub>("/hub");
            app.MapPost("/broadcast", async (Broadcast broadcast, IHubContext<BareHub> hub) =>
            {
                await hub.Clients.Group(broadcast.Group).SendAsync(Method, broadcast.Annotation);
                return Results.StatusCode(StatusCodes.Status201Created);
            });
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new BareHubTarget(app, new Uri(address.TrimEnd('/') + "/"));
        }

        public HubConnection CreateConnection(Investigation.LivePerson person) =>
            new HubConnectionBuilder().WithUrl(new Uri(http.BaseAddress!, "hub")).Build();

        public async Task JoinAsync(HubConnection connection, Investigation.LivePerson person, IReadOnlyList<Guid> records)
        {
            foreach (var record in records)
            {
                await connection.InvokeAsync(nameof(BareHub.Join), $"record:{record}");
                await connection.InvokeAsync(nameof(BareHub.Join), $"record:{record}:outlet:{person.OutletId}");
                await connection.InvokeAsync(nameof(BareHub.Join), $"record:{record}:user:{person.User}");
            }
        }

        public async Task<bool> PostAsync(Investigation.LivePerson poster, Guid record, AnnotationView annotation)
        {
            var group = annotation.Visibility switch
            {
                Visibility.Consortium => $"record:{record}",
                Visibility.Outlet => $"record:{record}:outlet:{poster.OutletId}",
                _ => $"record:{record}:user:{poster.User}",
            };
            using var response = await http.PostAsJsonAsync("broadcast", new Broadcast(group, annotation));
            return response.StatusCode == HttpStatusCode.Created;
        }

        public async ValueTask DisposeAsync()
        {
            http.Dispose();
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public sealed record Broadcast(string Group, AnnotationView Annotation);

    public sealed class BareHub : Hub
    {
        public Task Join(string group) => Groups.AddToGroupAsync(Context.ConnectionId, group);
    }

    /// <summary>Clears what the receivers got, before a run that counts its own deliveries.</summary>
    private static void ForgetReceived(List<Receiver> receivers)
    {
        foreach (var receiver in receivers)
        {
            lock (receiver.Received)
            {
                receiver.Received.Clear();
                receiver.Messages = 0;
            }
        }
    }

    /// <summary>Waits until every server process has used under <see cref="QuietShare"/> of a CPU for a whole second (at most <see cref="MostSettling"/>).</summary>
    private static async Task<TimeSpan> SettleAsync(CpuMeter cpu)
    {
        var started = Stopwatch.StartNew();
        while (started.Elapsed < MostSettling)
        {
            var before = cpu.Take();
            await Task.Delay(TimeSpan.FromSeconds(1));
            var second = cpu.Since(before);
            if (second.ServerSeconds < QuietShare * second.WallSeconds * cpu.ServerProcesses)
            {
                break;
            }
        }
        return started.Elapsed;
    }
}
