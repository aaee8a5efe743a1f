using System.Globalization;

namespace Consortium.Benchmarks;

/// <summary>What the machine is, read from /proc: the figures mean little without it.</summary>
public sealed record MachineDescription(
    int LogicalCpus, string CpuModel, double MemoryGiB, string Os, string Runtime, string PostgresVersion,
    bool LoadGeneratorSharesCores, string Note, double LoadAverageAtStart)
{
    public static MachineDescription Read(string postgresVersion)
    {
        var cpus = Environment.ProcessorCount;
        var model = TryRead("/proc/cpuinfo")?.Split('\n').FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        var memKb = TryRead("/proc/meminfo")?.Split('\n').FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)) is { } line
            ? double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) : 0;
        var os = TryRead("/etc/os-release")?.Split('\n').FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?[12..].Trim('"') ?? Environment.OSVersion.ToString();
        var load = double.Parse(TryRead("/proc/loadavg")?.Split(' ')[0] ?? "0", CultureInfo.InvariantCulture);
        return new MachineDescription(cpus, model, Math.Round(memKb / 1024 / 1024, 1), os, System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
            postgresVersion, LoadGeneratorSharesCores: true,
            $"Load generator, server and PostgreSQL run on the same {cpus} logical CPUs with no pinning: every figure includes the load generator's own CPU use, reported per phase.",
            load);
    }

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>CPU seconds of the three parties (load generator, server, PostgreSQL) over one phase of a scenario.</summary>
public sealed class CpuMeter
{
    private static readonly double TicksPerSecond = 100.0; // USER_HZ on Linux
    private readonly Func<IReadOnlyList<int>> serverPids;
    private readonly Func<int> postmasterPid;

    public CpuMeter(Func<int> serverPid, Func<int> postmasterPid)
        : this(() => [serverPid()], postmasterPid)
    {
    }

    /// <summary>A meter whose "server" is several processes (the nodes of the two-node scenario), their CPU summed.</summary>
    public CpuMeter(Func<IReadOnlyList<int>> serverPids, Func<int> postmasterPid)
    {
        this.serverPids = serverPids;
        this.postmasterPid = postmasterPid;
    }

    public sealed record Sample(DateTime At, double Generator, double Server, double Postgres, double Machine);

    public sealed record Usage(double WallSeconds, double GeneratorSeconds, double ServerSeconds, double PostgresSeconds, double OtherSeconds)
    {
        /// <summary>CPU each party used, as a share of one CPU (200% = both of two CPUs busy).</summary>
        public string Describe() => string.Create(CultureInfo.InvariantCulture,
            $"load generator {Percent(GeneratorSeconds)}, server {Percent(ServerSeconds)}, PostgreSQL {Percent(PostgresSeconds)}, other processes {Percent(OtherSeconds)} (of one CPU, over {WallSeconds:0.0} s)");

        private string Percent(double seconds) => WallSeconds <= 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{100 * seconds / WallSeconds:0}%");
    }

    /// <summary>How many processes the "server" is now.</summary>
    public int ServerProcesses => serverPids().Count;

    /// <summary>
    /// CPU seconds the server processes' JIT has spent recompiling hot code in the background: the threads .NET names
    /// ".NET Tiered Compilation Worker" (".NET Tiered Com" in /proc, which keeps 15 characters).
    /// </summary>
    public double RecompilingSeconds() => serverPids().Sum(pid => ThreadCpu(pid, ".NET Tiered Com"));

    /// <summary>CPU seconds of the threads of <paramref name="pid"/> whose name starts with <paramref name="name"/>.</summary>
    private static double ThreadCpu(int pid, string name)
    {
        double ticks = 0;
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                var open = stat.IndexOf('(', StringComparison.Ordinal);
                var close = stat.LastIndexOf(')');
                if (!stat.AsSpan(open + 1, close - open - 1).StartsWith(name, StringComparison.Ordinal))
                {
                    continue;
                }
                // After the name: state is field 3, utime 14 and stime 15 of the whole line.
                var fields = stat[(close + 2)..].Split(' ');
                ticks += double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture);
            }
        }
        catch (IOException)
        {
            // The process or a thread ended meanwhile: what was read so far.
        }
        return ticks / TicksPerSecond;
    }

    public Sample Take() => new(DateTime.UtcNow, ProcessCpu(Environment.ProcessId), serverPids().Sum(ProcessCpu), PostgresCpu(), MachineBusySeconds());

    public Usage Since(Sample start)
    {
        var end = Take();
        var generator = end.Generator - start.Generator;
        var server = end.Server - start.Server;
        var postgres = end.Postgres - start.Postgres;
        var other = Math.Max(0, end.Machine - start.Machine - generator - server - postgres);
        return new Usage((end.At - start.At).TotalSeconds, generator, server, postgres, other);
    }

    private static readonly int[] BusyFields = [1, 2, 3, 6, 7, 8];

    /// <summary>Busy CPU seconds of the whole machine since boot, from /proc/stat.</summary>
    private static double MachineBusySeconds()
    {
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // cpu user nice system idle iowait irq softirq steal
        var busy = BusyFields.Sum(i => double.Parse(cpu[i], CultureInfo.InvariantCulture));
        return busy / TicksPerSecond;
    }

    public static double ProcessCpu(int pid)
    {
        if (pid <= 0)
        {
            return 0;
        }
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name may hold spaces; fields after it are fixed.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>The postmaster and its children (backends, checkpointer, WAL writer), including children that have exited (cutime).</summary>
    private double PostgresCpu()
    {
        var root = postmasterPid();
        if (root <= 0)
        {
            return 0;
        }
        double total = 0;
        try
        {
            var stat = File.ReadAllText($"/proc/{root}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // utime, stime, cutime, cstime: backends that ended are counted in the postmaster's child times.
            total += (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)
                + double.Parse(fields[13], CultureInfo.InvariantCulture) + double.Parse(fields[14], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (IOException)
        {
            return 0;
        }
        foreach (var (_, fields) in ChildrenOf(root))
        {
            total += (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        return total;
    }

    /// <summary>The running children of <paramref name="root"/>, each with the fields of its /proc stat after the command name.</summary>
    private static IEnumerable<(int Pid, string[] Fields)> ChildrenOf(int root)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == root)
            {
                continue;
            }
            string[] fields;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }
            if (int.Parse(fields[1], CultureInfo.InvariantCulture) == root)
            {
                yield return (pid, fields);
            }
        }
    }

    /// <summary>
    /// PostgreSQL's memory: the proportional set size (Pss) of the postmaster and every process under it, in MiB. Pss
    /// splits each shared page among the processes that map it, so the shared buffers count once, and only the part
    /// of them touched so far; each backend's private memory counts whole.
    /// </summary>
    public static (int Processes, double PssMiB) PostgresMemory(int postmasterPid)
    {
        if (postmasterPid <= 0)
        {
            return (0, 0);
        }
        var pids = ChildrenOf(postmasterPid).Select(c => c.Pid).Prepend(postmasterPid).ToList();
        double kb = 0;
        foreach (var pid in pids)
        {
            try
            {
                var line = File.ReadLines($"/proc/{pid}/smaps_rollup").FirstOrDefault(l => l.StartsWith("Pss:", StringComparison.Ordinal));
                kb += line is null ? 0 : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return (pids.Count, kb / 1024);
    }

    /// <summary>Resident set (VmRSS) and its peak (VmHWM) of a process, in MiB.</summary>
    public static (double Rss, double Peak) Memory(int pid)
    {
        double rss = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kb(line) / 1024;
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kb(line) / 1024;
            }
        }
        return (rss, peak);

        static double Kb(string line) => double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
}
