using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;

namespace Consortium.Server.Storage;

/// <summary>
/// A private PostgreSQL cluster started from the server binaries installed on this machine, so that
/// a newcomer can run Consortium without setting up a database. Used when no connection string is configured,
/// and by the test suite to get one real server for a whole test run.
/// </summary>
/// <remarks>
/// PostgreSQL refuses to run as root. When we are root (as in CI or a container) the cluster runs as the
/// <c>postgres</c> system user through <c>runuser</c>, in a folder that user owns and can reach.
/// The cluster listens on 127.0.0.1 only, on a free port, with its socket inside the data folder, and
/// password (SCRAM) authentication: other local users cannot read the leak through it.
/// </remarks>
public sealed class EmbeddedPostgres : IAsyncDisposable
{
    private const string SuperUser = "consortium";
    private readonly string binDirectory;
    private readonly string dataDirectory;
    private readonly string? runAsUser;
    private readonly IReadOnlyList<string> serverSettings;
    private bool ownsProcess;

    private EmbeddedPostgres(string binDirectory, string dataDirectory, string? runAsUser, IReadOnlyList<string> serverSettings)
    {
        this.binDirectory = binDirectory;
        this.dataDirectory = dataDirectory;
        this.runAsUser = runAsUser;
        this.serverSettings = serverSettings;
    }

    public int Port { get; private set; }

    private string Password { get; set; } = "";

    public string DataDirectory => dataDirectory;

    /// <summary>Connection string for <paramref name="database"/> on this cluster.</summary>
    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = SuperUser,
        Password = Password,
        Database = database,
    }.ConnectionString;

    /// <summary>The default data folder: under the user's data directory, or under /var/lib when running as root.</summary>
    public static string DefaultDataDirectory() =>
        IsRoot()
            // root's home is mode 700, so the postgres user could not reach a folder under it.
            ? "/var/lib/consortium/postgres"
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "consortium", "postgres");

    /// <summary>Starts (initialising on first use) the cluster in <paramref name="dataDirectory"/>, or attaches to it when it already runs.</summary>
    /// <remarks><paramref name="serverSettings"/>: extra <c>name=value</c> settings for the server's start (the benchmark's statement statistics), each a plain word without quotes.</remarks>
    /// <exception cref="EmbeddedPostgresUnavailableException">No server binaries, or the cluster cannot start; the message says what to do.</exception>
    public static async Task<EmbeddedPostgres> StartAsync(string dataDirectory, string? binDirectory = null, IReadOnlyList<string>? serverSettings = null, CancellationToken cancellationToken = default)
    {
        var bin = binDirectory ?? FindBinaries() ?? throw new EmbeddedPostgresUnavailableException(
            "No PostgreSQL server binaries were found on PATH or under /usr/lib/postgresql/*/bin: install PostgreSQL (on Debian: apt-get install postgresql) or set ConnectionStrings__Consortium to a PostgreSQL server you run.");
        if (!File.Exists(Path.Combine(bin, "initdb")) || !File.Exists(Path.Combine(bin, "pg_ctl")))
        {
            throw new EmbeddedPostgresUnavailableException(
                $"The folder {bin} named by Storage:PostgresBinaries holds no initdb and pg_ctl: point it at PostgreSQL's bin folder, remove it to search PATH, or set ConnectionStrings__Consortium to a PostgreSQL server you run.");
        }

        string? runAs = null;
        if (IsRoot())
        {
            if (!File.Exists("/usr/sbin/runuser") && !File.Exists("/sbin/runuser"))
            {
                throw new EmbeddedPostgresUnavailableException("PostgreSQL refuses to run as root and runuser is missing: run Consortium as an ordinary user or set ConnectionStrings__Consortium.");
            }
            runAs = "postgres";
        }

        var cluster = new EmbeddedPostgres(bin, Path.GetFullPath(dataDirectory), runAs, serverSettings ?? []);
        await cluster.StartAsync(cancellationToken);
        return cluster;
    }

    /// <summary>Creates <paramref name="database"/> if it does not exist yet.</summary>
    public async Task EnsureDatabaseAsync(string database, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("select 1 from pg_database where datname = $1", connection) { Parameters = { new() { Value = database } } };
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            // Identifiers cannot be parameters; the quoted name is escaped by doubling quotes.
            await using var create = new NpgsqlCommand($"create database \"{database.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (ownsProcess)
        {
            ownsProcess = false;
            await RunAsync("pg_ctl", ["stop", "-D", dataDirectory, "-m", "fast", "-w", "-t", "30"], CancellationToken.None, throwOnError: false);
        }
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        var secretsDirectory = Path.GetDirectoryName(dataDirectory)!;
        Directory.CreateDirectory(secretsDirectory);
        // The password lives beside the data folder, readable by the user who runs Consortium only.
        var passwordFile = Path.Combine(secretsDirectory, Path.GetFileName(dataDirectory) + ".password");

        if (!File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
        {
            await InitialiseAsync(passwordFile, cancellationToken);
        }
        Password = (await File.ReadAllTextAsync(passwordFile, cancellationToken)).Trim();

        if (TryReadRunningPort() is { } runningPort)
        {
            // Another Consortium process (or an earlier one killed without shutdown) left it running: reuse it, and leave it to its owner.
            Port = runningPort;
            if (await CanConnectAsync(cancellationToken))
            {
                return;
            }
        }

        Port = FreeLoopbackPort();
        var log = Path.Combine(dataDirectory, "postgres.log");
        await RunAsync("pg_ctl",
        [
            "start", "-D", dataDirectory, "-l", log, "-w", "-t", "60",
            "-o", $"-p {Port} -k {dataDirectory} -c listen_addresses=127.0.0.1 -c max_connections=200 {MachineSettings()}{string.Concat(serverSettings.Select(s => " -c " + s))}",
        ], cancellationToken);
        ownsProcess = true;
    }

    /// <summary>
    /// PostgreSQL's stock settings are sized for a small shared machine: 128 MB of shared buffers and a checkpoint
    /// every gigabyte of WAL. The embedded cluster is Consortium's own, so it takes an eighth of the machine's memory
    /// for buffers (at least 128 MB, at most 2 GB: a million records and their indexes are about 1.5 GB) and lets
    /// the WAL grow to 4 GB between checkpoints, so that an import of a million rows is not cut by checkpoints that
    /// each write every touched page to the WAL in full again.
    /// </summary>
    private static string MachineSettings()
    {
        var memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        var sharedBuffersMb = Math.Clamp(memory / 8 / (1024 * 1024), 128, 2048);
        return $"-c shared_buffers={sharedBuffersMb}MB -c max_wal_size=4GB";
    }

    private async Task InitialiseAsync(string passwordFile, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(dataDirectory);
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        var initialPasswordFile = Path.Combine(dataDirectory, "..", $".initdb-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(initialPasswordFile, password, cancellationToken);
        try
        {
            if (runAsUser is not null)
            {
                await RunPlainAsync("chown", ["-R", $"{runAsUser}:", dataDirectory, initialPasswordFile], cancellationToken);
                await RunPlainAsync("chmod", ["700", dataDirectory], cancellationToken);
            }
            else if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(dataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            await RunAsync("initdb",
            [
                "-D", dataDirectory, "-U", SuperUser, "--pwfile", Path.GetFullPath(initialPasswordFile),
                "--auth-host=scram-sha-256", "--auth-local=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8",
            ], cancellationToken);
        }
        finally
        {
            File.Delete(initialPasswordFile);
        }
        await File.WriteAllTextAsync(passwordFile, password, cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private int? TryReadRunningPort()
    {
        var pidFile = Path.Combine(dataDirectory, "postmaster.pid");
        try
        {
            var lines = File.ReadAllLines(pidFile);
            if (lines.Length > 3 && int.TryParse(lines[0], out var pid) && int.TryParse(lines[3], out var port) && ProcessExists(pid))
            {
                return port;
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
    }

    private static bool ProcessExists(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private async Task<bool> CanConnectAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
            await connection.OpenAsync(cancellationToken);
            return true;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private Task RunAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken, bool throwOnError = true)
    {
        var executable = Path.Combine(binDirectory, tool);
        return runAsUser is null
            ? RunPlainAsync(executable, arguments, cancellationToken, throwOnError)
            : RunPlainAsync("runuser", ["-u", runAsUser, "--", executable, .. arguments], cancellationToken, throwOnError);
    }

    private static async Task RunPlainAsync(string fileName, IReadOnlyList<string> arguments, CancellationToken cancellationToken, bool throwOnError = true)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // pg_ctl start keeps the postmaster's stdout open otherwise, and our reads would never end.
            WorkingDirectory = "/",
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new EmbeddedPostgresUnavailableException($"Could not start {fileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0 && throwOnError)
        {
            throw new EmbeddedPostgresUnavailableException(
                $"The embedded PostgreSQL could not start ({Path.GetFileName(fileName)} exited with {process.ExitCode}: {(await stderr).Trim()} {(await stdout).Trim()}).");
        }
    }

    /// <summary>Finds a folder holding initdb and pg_ctl: on PATH first, then the newest /usr/lib/postgresql/N/bin.</summary>
    public static string? FindBinaries()
    {
        static bool HasServer(string folder) => File.Exists(Path.Combine(folder, "initdb")) && File.Exists(Path.Combine(folder, "pg_ctl"));

        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (HasServer(folder))
            {
                // A symlink on PATH (Debian's wrappers or /usr/local/bin links) points into the real bin folder, beside postgres itself.
                var initdb = new FileInfo(Path.Combine(folder, "initdb"));
                var target = initdb.ResolveLinkTarget(returnFinalTarget: true);
                return target is not null ? Path.GetDirectoryName(target.FullName) : folder;
            }
        }
        const string debianRoot = "/usr/lib/postgresql";
        if (!Directory.Exists(debianRoot))
        {
            return null;
        }
        return Directory.GetDirectories(debianRoot)
            .Select(version => (Version: int.TryParse(Path.GetFileName(version), out var v) ? v : -1, Bin: Path.Combine(version, "bin")))
            .Where(candidate => candidate.Version >= 0 && HasServer(candidate.Bin))
            .OrderByDescending(candidate => candidate.Version)
            .Select(candidate => candidate.Bin)
            .FirstOrDefault();
    }

    // Environment.UserName resolves the effective user id, whatever $USER says.
    private static bool IsRoot() => Environment.UserName == "root";
}

/// <summary>The embedded database cannot be used; the message is one sentence telling the operator what to do.</summary>
public sealed class EmbeddedPostgresUnavailableException(string message) : Exception(message);
