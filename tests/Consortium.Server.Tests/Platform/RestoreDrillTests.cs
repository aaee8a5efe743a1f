using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Consortium.Server.Tests.Platform;

/// <summary>
/// Runs deploy/restore-drill.sh, as an operator would, against a PostgreSQL cluster that archives its WAL: a base
/// backup, more writes, and a point-in-time recovery into a throwaway cluster that must hold exactly the rows written
/// before the target.
/// </summary>
public sealed class RestoreDrillTests(ArchivingCluster cluster) : IClassFixture<ArchivingCluster>
{
    [Theory]
    [InlineData("lsn")]
    [InlineData("time")]
    public async Task A_base_backup_and_the_WAL_archive_restore_the_database_to_the_target_and_no_further(string target)
    {
        var work = cluster.Folder("drill-" + target);
        var (exitCode, output, errors) = await cluster.RunAsync(Path.Combine(RepositoryFiles.Root, "deploy", "restore-drill.sh"),
            "--host", "127.0.0.1", "--port", cluster.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--user", "postgres",
            "--archive", cluster.Archive, "--pgbin", cluster.Binaries, "--target", target, "--work", work);

        Assert.True(exitCode == 0, output + errors);
        Assert.Contains("restored rows: in-base-backup,before-target\n", output, StringComparison.Ordinal);
        Assert.StartsWith($"restore drill passed: recovered to {target} ", output.TrimEnd().Split('\n')[^1], StringComparison.Ordinal);
        // The drill cleans up after itself on the source: its rows are gone, and so is its throwaway cluster.
        Assert.Equal("0", await cluster.SqlAsync("select count(*) from restore_drill"));
        Assert.False(Directory.Exists(work));
    }

    [Fact]
    public async Task The_drill_refuses_a_cluster_whose_archive_folder_does_not_exist()
    {
        var (exitCode, output, _) = await cluster.RunAsync(Path.Combine(RepositoryFiles.Root, "deploy", "restore-drill.sh"),
            "--port", cluster.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--archive", cluster.Archive + "-missing", "--pgbin", cluster.Binaries);

        Assert.Equal(1, exitCode);
        Assert.Contains("restore drill failed: the WAL archive", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_drill_refuses_a_work_folder_that_holds_anything_and_leaves_it_as_it_was()
    {
        // It deletes its work folder at the end: pointed at a folder in use, it must stop before touching it.
        var work = cluster.Folder("in-use");
        Directory.CreateDirectory(work);
        await File.WriteAllTextAsync(Path.Combine(work, "keep.txt"), "mine");

        var (exitCode, output, _) = await cluster.RunAsync(Path.Combine(RepositoryFiles.Root, "deploy", "restore-drill.sh"),
            "--port", cluster.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--archive", cluster.Archive, "--pgbin", cluster.Binaries, "--work", work);

        Assert.Equal(1, exitCode);
        Assert.Contains("is not empty", output, StringComparison.Ordinal);
        Assert.Equal("mine", await File.ReadAllTextAsync(Path.Combine(work, "keep.txt")));
    }
}

/// <summary>
/// A private PostgreSQL 15 that archives every WAL segment into a folder: loopback only, trust authentication (it lives
/// for one test class), run as the postgres user when the tests run as root (PostgreSQL refuses root).
/// </summary>
public sealed class ArchivingCluster : IAsyncLifetime
{
    private readonly string root = Directory.CreateTempSubdirectory("consortium-drill-source.").FullName;

    public string Binaries { get; } = Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
        .Where(d => File.Exists(Path.Combine(d, "pg_basebackup"))).OrderDescending().FirstOrDefault()
        ?? throw new InvalidOperationException("PostgreSQL's server binaries are not installed (/usr/lib/postgresql/*/bin).");

    public int Port { get; } = FreePort();

    public string Archive => Path.Combine(root, "archive");

    public string Folder(string name) => Path.Combine(root, name);

    private string Data => Path.Combine(root, "data");

    private static bool AsRoot => Environment.UserName == "root";

    public async Task InitializeAsync()
    {
        // postgres must traverse the folder; /tmp is fine, root's home is not.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
        }
        Directory.CreateDirectory(Archive);
        if (AsRoot)
        {
            await Must(RunAsync("chown", "-R", "postgres:", root));
        }
        await Must(AsPostgres(Path.Combine(Binaries, "initdb"), "-D", Data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"));
        await Must(AsPostgres(Path.Combine(Binaries, "pg_ctl"), "-D", Data, "-l", Path.Combine(root, "postgres.log"), "-w", "-t", "60", "-o",
            $"-p {Port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c wal_level=replica -c archive_mode=on " +
            $"-c \"archive_command=test ! -f {Archive}/%f && cp %p {Archive}/%f\"", "start"));
    }

    public async Task DisposeAsync()
    {
        await AsPostgres(Path.Combine(Binaries, "pg_ctl"), "-D", Data, "-m", "immediate", "stop");
        Directory.Delete(root, recursive: true);
    }

    public async Task<string> SqlAsync(string sql)
    {
        var (exitCode, output, errors) = await RunAsync(Path.Combine(Binaries, "psql"), "-X", "-At", "-h", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "postgres", "-d", "postgres", "-c", sql);
        Assert.True(exitCode == 0, errors);
        return output.Trim();
    }

    public async Task<(int ExitCode, string Output, string Errors)> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program.EndsWith(".sh", StringComparison.Ordinal) ? "bash" : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (program.EndsWith(".sh", StringComparison.Ordinal))
        {
            start.ArgumentList.Add(program);
        }
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish within 2 minutes: {await output}{await errors}");
        }
        return (process.ExitCode, await output, await errors);
    }

    private Task<(int, string, string)> AsPostgres(string program, params string[] arguments) =>
        AsRoot ? RunAsync("runuser", ["-u", "postgres", "--", program, .. arguments]) : RunAsync(program, arguments);

    private static async Task Must(Task<(int ExitCode, string Output, string Errors)> run)
    {
        var (exitCode, output, errors) = await run;
        if (exitCode != 0)
        {
            throw new InvalidOperationException(output + errors);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
