using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Consortium.Client;
using Consortium.Server.Identity;
using Consortium.Server.Storage;
using Consortium.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenIddict.Abstractions;

namespace Consortium.Benchmarks;

/// <summary>
/// A private PostgreSQL (the server's own embedded cluster code, in a temporary folder) and the real server, built by
/// this solution, running as a separate process against it, so its memory and CPU can be read apart from the load
/// generator's. Accounts are made in the server's account store as an operator would, then signed in over HTTP.
/// </summary>
public sealed class BenchmarkEnvironment : IAccountHost, IAsyncDisposable
{
    private readonly string root;
    private readonly EmbeddedPostgres postgres;
    private readonly Process server;
    private readonly ServiceProvider accountServices;

    private BenchmarkEnvironment(string root, EmbeddedPostgres postgres, Process server, Uri baseAddress, string connectionString, ServiceProvider accountServices)
    {
        this.root = root;
        this.postgres = postgres;
        this.server = server;
        BaseAddress = baseAddress;
        ConnectionString = connectionString;
        this.accountServices = accountServices;
        Accounts = new TestAccounts(this);
    }

    public Uri BaseAddress { get; }

    public IServiceProvider Services => accountServices;

    public string ConnectionString { get; }

    public TestAccounts Accounts { get; }

    public int ServerPid => server.HasExited ? 0 : server.Id;

    public int PostmasterPid => int.TryParse(File.ReadLines(Path.Combine(postgres.DataDirectory, "postmaster.pid")).First(), out var pid) ? pid : 0;

    public const string Schema = "consortium";

    /// <summary>Where the server's and PostgreSQL's logs are copied when the run ends (the temporary folder by default).</summary>
    public string? LogsDirectory { get; set; }

    /// <summary>The environment the server process was started with (its settings as <c>Section__Key</c> variables).</summary>
    public IReadOnlyDictionary<string, string> ServerSettings { get; private init; } = new Dictionary<string, string>();

    /// <summary>The built server, <c>Consortium.Server.dll</c>.</summary>
    public string ServerDll { get; private init; } = "";

    /// <summary>The run's temporary folder (PostgreSQL's data, the keys folder, the server's log).</summary>
    public string Root => root;

    /// <summary>
    /// Stops the server for good (the two-node scenario, the last, replaces it by two nodes on the same database and
    /// keys, the first on the same address): killed outright, which ends its leader sessions with its sockets.
    /// </summary>
    public async Task StopServerAsync()
    {
        if (!server.HasExited)
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    /// <summary>Whether pg_stat_statements is loaded (<c>--pg-stats</c>): <see cref="StatementStatistics"/> works only then.</summary>
    public bool HasStatementStatistics { get; private init; }

    public static async Task<BenchmarkEnvironment> StartAsync(string repositoryRoot, TextWriter log, bool statementStatistics = false)
    {
        var root = Directory.CreateTempSubdirectory("consortium-bench-").FullName;
        if (Environment.UserName == "root" && !OperatingSystem.IsWindows())
        {
            // The postgres user must reach the data folder inside it.
            File.SetUnixFileMode(root, (UnixFileMode)0x1ED); // 755
        }
        log.WriteLine($"Starting PostgreSQL in {root}");
        // Statement statistics cost a little per statement, so they are loaded only when asked for; track=all counts the
        // statements inside Marten's upsert functions and our triggers too.
        var postgres = await EmbeddedPostgres.StartAsync(Path.Combine(root, "postgres"), serverSettings: statementStatistics
            ? ["shared_preload_libraries=pg_stat_statements", "pg_stat_statements.track=all", "pg_stat_statements.max=2000"]
            : null);
        await postgres.EnsureDatabaseAsync("consortium");
        if (statementStatistics)
        {
            await using var connection = new NpgsqlConnection(postgres.ConnectionString("consortium"));
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand("create extension if not exists pg_stat_statements", connection);
            await create.ExecuteNonQueryAsync();
        }
        // The server's own connection budget (Storage:MaxConnections), as shipped: no pool size of the benchmark's.
        var connectionString = postgres.ConnectionString("consortium");

        var serverDll = FindServer(repositoryRoot);
        var port = FreePort();
        var keys = Path.Combine(root, "keys");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.Combine(repositoryRoot, "src", "Consortium.Server"),
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(serverDll);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["ConnectionStrings__Consortium"] = connectionString;
        start.Environment["Identity__RequireHttps"] = "false";
        start.Environment["Identity__KeysDirectory"] = keys;
        // The demo seed makes the 17 outlets (there is no API to create outlets) and a tiny dataset of its own.
        // One address signs in every simulated person and searches as fast as it can: the per-address limits are for people.
        foreach (var limit in new[] { "SignInPerAddressPerMinute", "SignInPerAccountPerMinute", "TokenRequestsPerClientPerMinute", "SearchesPerMinute", "HubJoinsPerMinute", "TypingPerMinute" })
        {
            start.Environment[$"RateLimits__{limit}"] = "1000000";
        }
        // The search scenario pages deep into a million records as one reader: far past the bulk-read budget that
        // guards against reading a leak out (issue 17), so it is lifted here; its upsert per read is still measured.
        start.Environment["Records__ReadBudgetPerHour"] = "1000000000";
        start.Environment["Demo__Seed"] = "true";
        // The webhook fan-out's receiver listens on the loopback address, over plain http.
        start.Environment["Webhooks__AllowHttp"] = "true";
        start.Environment["Webhooks__AllowPrivateNetworks"] = "true";
        start.Environment["Demo__RecordCount"] = "40";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        log.WriteLine($"Starting the server: dotnet {serverDll} on port {port}");
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the server.");
        var serverLog = Path.Combine(root, "server.log");
        _ = PumpAsync(process.StandardOutput, serverLog);
        _ = PumpAsync(process.StandardError, serverLog);

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDataProtection();
        services.AddDbContext<IdentityStore>(options => options.UseNpgsql(connectionString).UseOpenIddict());
        services.AddIdentityCore<ConsortiumAccount>(options =>
            {
                options.User.RequireUniqueEmail = true;
                options.Password.RequiredLength = 12;
                options.Password.RequireNonAlphanumeric = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireDigit = false;
            })
            .AddEntityFrameworkStores<IdentityStore>()
            .AddDefaultTokenProviders();

        var environment = new BenchmarkEnvironment(root, postgres, process, new Uri($"http://127.0.0.1:{port}/"), connectionString, services.BuildServiceProvider())
        {
            HasStatementStatistics = statementStatistics,
            // What the server was started with (the inherited environment included): the two-node scenario's nodes too.
            ServerSettings = start.Environment.Where(e => e.Value is not null).ToDictionary(e => e.Key, e => e.Value!, StringComparer.Ordinal),
            ServerDll = serverDll,
        };
        await environment.WaitUntilReadyAsync(log);
        return environment;
    }

    private async Task WaitUntilReadyAsync(TextWriter log)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            if (server.HasExited)
            {
                throw new InvalidOperationException($"The server exited with {server.ExitCode}; see {Path.Combine(root, "server.log")}:\n{TailOfLog()}");
            }
            try
            {
                if ((await http.GetAsync("healthz")).IsSuccessStatusCode && await OutletCountAsync() >= 17)
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            catch (PostgresException)
            {
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The server did not become ready in 3 minutes:\n{TailOfLog()}");
            }
            await Task.Delay(500);
        }
        log.WriteLine("Server ready (17 outlets seeded)");
    }

    private async Task<long> OutletCountAsync()
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand($"select count(*) from {Schema}.mt_doc_outlet", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>An API client acting as <paramref name="user"/> ("person@outlet") with a token from the real code flow.</summary>
    public ConsortiumClient ClientFor(string user, HttpMessageHandler? handler = null, TimeSpan? timeout = null)
    {
        var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.BaseAddress = BaseAddress;
        http.Timeout = timeout ?? TimeSpan.FromSeconds(100);
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return new ConsortiumClient(http, async _ => await Accounts.AccessTokenAsync(user));
    }

    /// <summary>Forgets the statement statistics gathered so far (all databases of the cluster).</summary>
    public async Task ResetStatementStatisticsAsync()
    {
        await using var connection = await OpenAsync();
        await using var reset = new NpgsqlCommand("select pg_stat_statements_reset()", connection);
        await reset.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// The statements since the last reset, by total execution time, each with its calls and milliseconds per
    /// <paramref name="units"/> (the accepted notes of a live run): what one unit of work costs the database, statement by statement.
    /// </summary>
    public async Task<string> StatementStatisticsAsync(double units, string unitName, int top = 40)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            select s.calls, s.total_exec_time, s.rows, s.toplevel, coalesce(d.datname, '?'), regexp_replace(s.query, '\s+', ' ', 'g')
            from pg_stat_statements s left join pg_database d on d.oid = s.dbid
            order by s.total_exec_time desc
            """, connection);
        var lines = new List<(long Calls, double Ms, long Rows, bool TopLevel, string Database, string Query)>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                lines.Add((reader.GetInt64(0), reader.GetDouble(1), reader.GetInt64(2), reader.GetBoolean(3), reader.GetString(4), reader.GetString(5)));
            }
        }
        var perUnit = Math.Max(1, units);
        var text = new System.Text.StringBuilder();
        var topLevel = lines.Where(l => l.TopLevel).ToList();
        text.AppendLine(System.FormattableString.Invariant(
            $"{units:0} {unitName}s. Top-level statements: {topLevel.Sum(l => l.Calls) / perUnit:0.00} calls and {topLevel.Sum(l => l.Ms) / perUnit:0.000} ms of execution per {unitName} ({topLevel.Sum(l => l.Calls)} calls, {topLevel.Sum(l => l.Ms):0} ms); nested statements (in functions and triggers) are listed with 'nested'."));
        text.AppendLine("calls/unit  ms/unit  ms/call  rows/call  level   db  statement");
        foreach (var l in lines.Take(top))
        {
            var query = l.Query.Length > 400 ? l.Query[..400] + "…" : l.Query;
            text.AppendLine(System.FormattableString.Invariant(
                $"{l.Calls / perUnit,10:0.000} {l.Ms / perUnit,8:0.000} {l.Ms / Math.Max(1, l.Calls),8:0.000} {(double)l.Rows / Math.Max(1, l.Calls),10:0.0}  {(l.TopLevel ? "top   " : "nested")}  {l.Database}  {query}"));
        }
        return text.ToString();
    }

    public string TailOfLog()
    {
        var path = Path.Combine(root, "server.log");
        return File.Exists(path) ? string.Join('\n', File.ReadLines(path).TakeLast(30)) : "";
    }

    private static readonly SemaphoreSlim LogGate = new(1);

    internal static async Task PumpAsync(StreamReader reader, string path)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            await LogGate.WaitAsync();
            try
            {
                await File.AppendAllTextAsync(path, line + "\n");
            }
            finally
            {
                LogGate.Release();
            }
        }
    }

    private static string FindServer(string repositoryRoot)
    {
        // Same configuration as this program (Release when run as the README says).
        var configuration = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
        var dll = Path.Combine(repositoryRoot, "src", "Consortium.Server", "bin", configuration, "net10.0", "Consortium.Server.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"The server is not built: {dll}. Build the solution first.");
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task<string> PostgresVersionAsync()
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand("select version()", connection);
        return ((string)(await command.ExecuteScalarAsync())!).Split(" on ")[0];
    }

    public async Task<Dictionary<string, string>> PostgresSettingsAsync()
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(
            "select name, current_setting(name) from pg_settings where name in ('shared_buffers','work_mem','maintenance_work_mem','fsync','synchronous_commit','max_wal_size','effective_cache_size','jit','max_connections') order by name", connection);
        var settings = new Dictionary<string, string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            settings[reader.GetString(0)] = reader.GetString(1);
        }
        return settings;
    }

    private int disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }
        if (!server.HasExited)
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
        server.Dispose();
        await accountServices.DisposeAsync();
        await postgres.DisposeAsync();
        try
        {
            // The server's and PostgreSQL's logs outlive the run: a scenario that failed, or a stall in the live
            // timeline, is read against them (checkpoints, for one, are logged by PostgreSQL only).
            var keptIn = LogsDirectory ?? Path.GetTempPath();
            Directory.CreateDirectory(keptIn);
            var kept = Path.Combine(keptIn, "server.log");
            File.Copy(Path.Combine(root, "server.log"), kept, overwrite: true);
            var postgresLog = Path.Combine(postgres.DataDirectory, "postgres.log");
            if (File.Exists(postgresLog))
            {
                File.Copy(postgresLog, Path.Combine(keptIn, "postgres.log"), overwrite: true);
            }
            Console.WriteLine($"The server's and PostgreSQL's logs of this run: {kept}, postgres.log beside it");
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
