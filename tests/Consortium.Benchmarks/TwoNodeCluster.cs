using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Consortium.Client;

namespace Consortium.Benchmarks;

/// <summary>
/// Two server processes on the benchmark's PostgreSQL and a Redis of their own, configured as docs/operations.md
/// "Several nodes" says: <c>Redis:Configuration</c> set, the same keys folder (token and cookie keys, the audit key in
/// it), each its <c>Node:Id</c>, and one issuer. They replace the environment's server: node "a" takes its address, so
/// the accounts, their tokens and <see cref="BenchmarkEnvironment.ClientFor"/> keep working; node "b" has its own port.
/// </summary>
public sealed class TwoNodeCluster : IAsyncDisposable
{
    private readonly BenchmarkEnvironment environment;
    private readonly string root;
    private readonly Dictionary<string, Process> nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Uri> addresses = new(StringComparer.Ordinal);
    private Process? redis;
    private readonly System.Runtime.InteropServices.PosixSignalRegistration[] onStop;

    private TwoNodeCluster(BenchmarkEnvironment environment)
    {
        this.environment = environment;
        root = Path.Combine(environment.Root, "cluster");
        Directory.CreateDirectory(root);
        // Interrupted (Ctrl-C, SIGTERM): the nodes and Redis go too, as the environment's server and database do.
        onStop = [.. new[] { System.Runtime.InteropServices.PosixSignal.SIGINT, System.Runtime.InteropServices.PosixSignal.SIGTERM }
            .Select(signal => System.Runtime.InteropServices.PosixSignalRegistration.Create(signal, _ => KillAll()))];
    }

    private void KillAll()
    {
        foreach (var process in nodes.Values.Append(redis))
        {
            try
            {
                process?.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }
    }

    public static readonly string[] Names = ["a", "b"];

    public IReadOnlyDictionary<string, Uri> Addresses => addresses;

    /// <summary>The nodes' process ids (0 for one that has exited): the CPU meter sums them.</summary>
    public IReadOnlyList<int> Pids => [.. Names.Select(n => nodes.TryGetValue(n, out var p) && !p.HasExited ? p.Id : 0)];

    public string RedisConfiguration { get; private set; } = "";

    /// <summary>Stops the environment's server, starts Redis, then node "a" on the server's address, then node "b".</summary>
    public static async Task<TwoNodeCluster> StartAsync(BenchmarkEnvironment environment, TextWriter log)
    {
        var cluster = new TwoNodeCluster(environment);
        try
        {
            await cluster.StartRedisAsync(log);
            await environment.StopServerAsync();
            // One after the other: the first start of a node on a database checks its schema, as deploy/ does it.
            await cluster.StartNodeAsync("a", environment.BaseAddress.Port, log);
            await cluster.StartNodeAsync("b", BenchmarkEnvironment.FreePort(), log);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Debian's redis-server on a private port, without persistence, in a folder of its own (as tests/run.sh starts it).</summary>
    private async Task StartRedisAsync(TextWriter log)
    {
        var port = BenchmarkEnvironment.FreePort();
        var dir = Path.Combine(root, "redis");
        Directory.CreateDirectory(dir);
        var start = new ProcessStartInfo(File.Exists("/usr/bin/redis-server") ? "/usr/bin/redis-server" : "redis-server")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no", "--protected-mode", "yes" })
        {
            start.ArgumentList.Add(argument);
        }
        log.WriteLine($"  starting redis-server on port {port}");
        redis = Process.Start(start) ?? throw new InvalidOperationException("Could not start redis-server (Debian's redis-server package).");
        var redisLog = Path.Combine(root, "redis.log");
        _ = BenchmarkEnvironment.PumpAsync(redis.StandardOutput, redisLog);
        _ = BenchmarkEnvironment.PumpAsync(redis.StandardError, redisLog);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                break;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !redis.HasExited)
            {
                await Task.Delay(100);
            }
        }
        RedisConfiguration = $"127.0.0.1:{port}";
    }

    private async Task StartNodeAsync(string name, int port, TextWriter log)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            // The server project's folder (bin/<configuration>/net10.0 up), as for the one-node server.
            WorkingDirectory = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(environment.ServerDll)!, "..", "..", "..")),
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(environment.ServerDll);
        // The one-node server's settings (database, keys folder, rate limits), and what makes it one of several nodes.
        foreach (var (key, value) in environment.ServerSettings)
        {
            start.Environment[key] = value;
        }
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["Redis__Configuration"] = RedisConfiguration;
        start.Environment["Node__Id"] = name;
        // Tokens name their issuer: the one-node server's address, so the tokens it issued (and node a issues) hold on b.
        start.Environment["Identity__Issuer"] = environment.BaseAddress.ToString();
        start.Environment["Import__SpoolDirectory"] = Path.Combine(root, "spool");
        // Who leads what shows in the node's log.
        start.Environment["Logging__LogLevel__Consortium"] = "Information";
        log.WriteLine($"  starting node {name} on port {port}");
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start node {name}.");
        var nodeLog = LogOf(name);
        _ = BenchmarkEnvironment.PumpAsync(process.StandardOutput, nodeLog);
        _ = BenchmarkEnvironment.PumpAsync(process.StandardError, nodeLog);
        nodes[name] = process;
        addresses[name] = new Uri($"http://127.0.0.1:{port}/");

        using var http = new HttpClient { BaseAddress = addresses[name], Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"Node {name} exited with {process.ExitCode}:\n{TailOf(nodeLog)}");
            }
            try
            {
                if ((await http.GetAsync("healthz")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Node {name} did not answer in 3 minutes:\n{TailOf(nodeLog)}");
            }
            await Task.Delay(250);
        }
    }

    /// <summary>An API client acting as <paramref name="user"/> on node <paramref name="node"/>, with the token the environment signed in for.</summary>
    public ConsortiumClient ClientFor(string user, string node, HttpMessageHandler? handler = null)
    {
        var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.BaseAddress = addresses[node];
        http.Timeout = TimeSpan.FromSeconds(100);
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return new ConsortiumClient(http, async _ => await environment.Accounts.AccessTokenAsync(user));
    }

    /// <summary>What <c>/healthz/nodes</c> says: this node, whether clustered, and who leads each singleton.</summary>
    public async Task<string> NodesAsync(string node)
    {
        using var http = new HttpClient { BaseAddress = addresses[node], Timeout = TimeSpan.FromSeconds(10) };
        return await http.GetStringAsync("healthz/nodes");
    }

    private string LogOf(string name) => Path.Combine(root, $"node-{name}.log");

    private static string TailOf(string path) => File.Exists(path) ? string.Join('\n', File.ReadLines(path).TakeLast(30)) : "";

    public async ValueTask DisposeAsync()
    {
        foreach (var registration in onStop)
        {
            registration.Dispose();
        }
        foreach (var process in nodes.Values)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
            process.Dispose();
        }
        if (redis is { HasExited: false })
        {
            redis.Kill();
            await redis.WaitForExitAsync();
        }
        redis?.Dispose();
        // The nodes' logs outlive the run, beside the server's.
        if (environment.LogsDirectory is { } logs)
        {
            Directory.CreateDirectory(logs);
            foreach (var file in Directory.EnumerateFiles(root, "*.log"))
            {
                File.Copy(file, Path.Combine(logs, Path.GetFileName(file)), overwrite: true);
            }
        }
    }
}
