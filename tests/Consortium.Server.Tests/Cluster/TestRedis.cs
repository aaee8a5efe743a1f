using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Consortium.Server.Tests.Cluster;

/// <summary>
/// A Redis for the multi-node tests: the one named in CONSORTIUM_TEST_REDIS ("host:port", started by tests/run.sh), or
/// else one of our own, started on a free loopback port without persistence, which a test can stop and start again.
/// </summary>
public sealed class TestRedis : IAsyncDisposable
{
    public const string Variable = "CONSORTIUM_TEST_REDIS";
    private readonly int port;
    private Process? process;

    private TestRedis(string configuration, int port)
    {
        Configuration = configuration;
        this.port = port;
    }

    /// <summary>The StackExchange.Redis configuration string the nodes get.</summary>
    public string Configuration { get; }

    /// <summary>Whether this run started it (and so may stop it).</summary>
    public bool Owned => port != 0;

    /// <param name="own">Start one of our own even when the run names one (a test that stops it must not stop the run's).</param>
    public static async Task<TestRedis> StartAsync(bool own = false)
    {
        if (!own && Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } given)
        {
            return new TestRedis(given, 0);
        }
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var redis = new TestRedis($"127.0.0.1:{port}", port);
        await redis.StartProcessAsync();
        return redis;
    }

    public async Task StartProcessAsync()
    {
        var start = new ProcessStartInfo(File.Exists("/usr/bin/redis-server") ? "/usr/bin/redis-server" : "redis-server")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes" })
        {
            start.ArgumentList.Add(argument);
        }
        process = Process.Start(start) ?? throw new InvalidOperationException("Could not start redis-server.");
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Kills our Redis (an outage); <see cref="StartProcessAsync"/> brings it back on the same port.</summary>
    public async Task StopProcessAsync()
    {
        if (process is { HasExited: false })
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopProcessAsync();
        process?.Dispose();
    }
}
