using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using Consortium.Server.Identity;
using Marten;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Weasel.Core;

using Consortium.Server.Tests.Platform;

namespace Consortium.Server.Tests.Cluster;

/// <summary>
/// Two real server processes (the built server, <c>dotnet Consortium.Server.dll</c>, on two ports) over one database of
/// the test PostgreSQL and one Redis, as deploy/compose.yaml runs them, minus the proxy. Accounts are made in the account
/// store as an operator would; everything else goes over HTTP and the hub, to whichever node a test names.
/// </summary>
public class ServerNodes : IAccountHost, IAsyncLifetime
{
    /// <summary>Whether these nodes get a Redis of their own, which a test may stop and start.</summary>
    protected virtual bool OwnRedis => false;

    /// <summary>
    /// Whether the nodes keep their token and cookie keys in PostgreSQL (the <c>Identity:KeysInDatabase</c> opt-in)
    /// rather than in a keys folder they all mount, the default.
    /// </summary>
    protected virtual bool KeysInDatabase => false;

    private readonly string root = Directory.CreateTempSubdirectory("consortium-nodes-").FullName;
    private readonly Dictionary<string, Process> processes = new(StringComparer.Ordinal);
    private ServiceProvider? accountServices;

    public ServerNodes()
    {
        Accounts = new TestAccounts(this);
    }

    public TestAccounts Accounts { get; }

    public TestRedis Redis { get; private set; } = null!;

    public string ConnectionString { get; private set; } = "";

    public IReadOnlyDictionary<string, Uri> Nodes => addresses;

    private readonly Dictionary<string, Uri> addresses = new(StringComparer.Ordinal);

    public IServiceProvider Services => accountServices!;

    /// <summary>Where accounts sign in by default: node "a".</summary>
    public Uri BaseAddress => addresses["a"];

    /// <summary>The audit chain's key, shared by the nodes as a mounted file would be.</summary>
    public string AuditKeyFile => Path.Combine(root, "shared", "audit-chain.key");

    public async Task InitializeAsync()
    {
        ConnectionString = await TestPostgres.CreateDatabaseAsync();
        Redis = await TestRedis.StartAsync(OwnRedis);
        Directory.CreateDirectory(Path.Combine(root, "shared"));
        // One node first: it creates the schemas (two starting at once on an empty database race to create them).
        await StartAsync("a");
        await StartAsync("b");
        await using (var store = DocumentStore.For(options =>
        {
            options.Connection(ConnectionString);
            options.DatabaseSchemaName = "consortium";
            options.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);
            options.Schema.For<Outlet>().Identity(o => o.Id);
        }))
        {
            await using var session = store.LightweightSession();
            session.Store(ConsortiumServer.Outlets.ToArray());
            await session.SaveChangesAsync();
        }
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDataProtection();
        services.AddDbContext<IdentityStore>(options => options.UseNpgsql(ConnectionString).UseOpenIddict());
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
        accountServices = services.BuildServiceProvider();
    }

    /// <summary>Starts node <paramref name="name"/> (again, on a new port, after a kill) and waits until it answers.</summary>
    /// <param name="extra">Settings of this node only, added to (or replacing) the common ones.</param>
    public async Task StartAsync(string name, IReadOnlyDictionary<string, string>? extra = null)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.Combine(RepositoryFiles.Root, "src", "Consortium.Server"),
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(ServerDll());
        var settings = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["ConnectionStrings__Consortium"] = ConnectionString,
            ["Identity__RequireHttps"] = "false",
            // Behind a load balancer both nodes would see one public address; here each has its own port.
            ["Identity__Issuer"] = "http://consortium.test/",
            ["Redis__Configuration"] = Redis.Configuration,
            ["Node__Id"] = name,
            ["Audit__KeyFile"] = AuditKeyFile,
            [KeysInDatabase ? "Identity__KeysInDatabase" : "Identity__KeysDirectory"] =
                KeysInDatabase ? "true" : Path.Combine(root, "shared", "keys"),
            ["Import__SpoolDirectory"] = Path.Combine(root, "shared", "spool"),
            // Small batches: an import takes long enough to kill its node in the middle of it.
            ["Import__BatchSize"] = "500",
            ["Demo__Seed"] = "false",
            ["Storage__WarmConnections"] = "1",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Consortium"] = "Information",
        };
        foreach (var limit in new[] { "SignInPerAddressPerMinute", "SignInPerAccountPerMinute", "TokenRequestsPerClientPerMinute", "SearchesPerMinute", "HubJoinsPerMinute", "TypingPerMinute" })
        {
            settings[$"RateLimits__{limit}"] = "1000000";
        }
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start a server node.");
        var log = Path.Combine(root, $"node-{name}.log");
        _ = PumpAsync(process.StandardOutput, log);
        _ = PumpAsync(process.StandardError, log);
        processes[name] = process;
        addresses[name] = new Uri($"http://127.0.0.1:{port}/");

        using var http = new HttpClient { BaseAddress = addresses[name], Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            Assert.False(process.HasExited, $"Node {name} exited with {(process.HasExited ? process.ExitCode : 0)}:\n{TailOf(log)}");
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
            Assert.True(DateTime.UtcNow < deadline, $"Node {name} did not answer in 3 minutes:\n{TailOf(log)}");
            await Task.Delay(250);
        }
    }

    /// <summary>Kills the node's process outright (SIGKILL): no shutdown, no goodbye to PostgreSQL or Redis.</summary>
    public async Task KillAsync(string name)
    {
        var process = processes[name];
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    /// <summary>What <c>/healthz</c> of <paramref name="node"/> answers: its status code and its text (Healthy, Degraded...).</summary>
    public async Task<(HttpStatusCode Status, string Text)> HealthAsync(string node)
    {
        using var http = new HttpClient { BaseAddress = addresses[node] };
        using var response = await http.GetAsync("healthz");
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Which node leads each singleton, as node <paramref name="askedOf"/> reports it.</summary>
    public async Task<NodesView> NodesAsync(string askedOf)
    {
        using var http = new HttpClient { BaseAddress = addresses[askedOf] };
        return (await http.GetFromJsonAsync<NodesView>("healthz/nodes"))!;
    }

    /// <summary>The leaders as node <paramref name="askedOf"/> reports them, once <paramref name="until"/> holds (two minutes at most).</summary>
    public async Task<NodesView> LeadersAsync(string askedOf, Func<NodesView, bool> until)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            var view = await NodesAsync(askedOf);
            if (until(view))
            {
                return view;
            }
            Assert.True(DateTime.UtcNow < deadline, $"Leaders after two minutes: {string.Join(", ", view.Leaders)}\n{LogOf(askedOf)}");
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// ines@alpha uploads <paramref name="rows"/> distinct rows into a new dataset through node "a" (so node "a" runs the
    /// import); returns once that node has committed some batches, the job still running.
    /// </summary>
    public async Task<(Guid DatasetId, ImportJobView Job)> ImportRunningOnAAsync(string title, int rows)
    {
        var ines = ClientFor("ines@alpha", "a");
        var investigation = await ines.CreateInvestigationAsync(new NewInvestigation("Nightjar", title, ["bravo"]));
        var dataset = await ines.CreateDatasetAsync(investigation.Id, new NewDataset("Selected numbers", ""));
        var csv = "phone,country\n" + string.Concat(Enumerable.Range(0, rows).Select(i => $"07700 9{i:00000},GB\n"));
        using var upload = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(csv));
        var job = await ines.UploadImportAsync(dataset.Id, upload, "text/csv");
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while ((await ines.GetImportAsync(dataset.Id, job.Id)) is { RowsRead: 0 } or { State: "queued" })
        {
            Assert.True(DateTime.UtcNow < deadline, "The import did not start on node a.");
            await Task.Delay(20);
        }
        return (dataset.Id, job);
    }

    /// <summary>An API client of <paramref name="user"/> on <paramref name="node"/>, with a token from node "a".</summary>
    public ConsortiumClient ClientFor(string user, string node)
    {
        var http = new HttpClient { BaseAddress = addresses[node] };
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return new ConsortiumClient(http, async _ => await Accounts.AccessTokenAsync(user));
    }

    public string LogOf(string name) => TailOf(Path.Combine(root, $"node-{name}.log"));

    public async Task DisposeAsync()
    {
        foreach (var process in processes.Values)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
            process.Dispose();
        }
        await Redis.DisposeAsync();
        if (accountServices is not null)
        {
            await accountServices.DisposeAsync();
        }
        await TestPostgres.DropDatabaseAsync(ConnectionString);
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    internal static string ServerDll()
    {
        var configuration = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
        var dll = Path.Combine(RepositoryFiles.Root, "src", "Consortium.Server", "bin", configuration, "net10.0", "Consortium.Server.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"The server is not built: {dll}.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string TailOf(string path) => File.Exists(path) ? string.Join('\n', File.ReadLines(path).TakeLast(40)) : "";

    private static readonly SemaphoreSlim LogGate = new(1);

    private static async Task PumpAsync(StreamReader reader, string path)
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
}

/// <summary>The answer of <c>/healthz/nodes</c>.</summary>
public sealed record NodesView(string Node, bool Clustered, Dictionary<string, string?> Leaders);
