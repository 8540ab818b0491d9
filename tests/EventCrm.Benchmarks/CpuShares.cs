using System.Globalization;

namespace EventCrm.Benchmarks;

/// <summary>
/// How many of the machine's cores each part used over a measurement, on average: the application (every
/// <c>EventCrm.dll</c> process, or the CRUD peer), PostgreSQL (every <c>postgres</c> process) and this process (the
/// load generator, and the in-process Marten append when that is what is measured). Read from <c>/proc</c>: client,
/// application and server share the machine, so a figure means little without the shares beside it.
/// </summary>
public sealed record CpuShares(double Application, double Database, double Client)
{
    public static readonly CpuShares None = new(double.NaN, double.NaN, double.NaN);

    /// <summary>As a table cell: "app 0.71 / db 0.95 / client 0.30" (cores).</summary>
    public override string ToString() => double.IsNaN(Application)
        ? ""
        : string.Create(CultureInfo.InvariantCulture, $"app {Application:0.00} / db {Database:0.00} / client {Client:0.00}");

    /// <summary>The median of repeated runs, part by part.</summary>
    public static CpuShares Median(IEnumerable<CpuShares> runs)
    {
        var all = runs.ToArray();
        if (all.Length == 0) return None;
        return new(LoadResult.Middle(all.Select(r => r.Application)), LoadResult.Middle(all.Select(r => r.Database)),
            LoadResult.Middle(all.Select(r => r.Client)));
    }

    /// <summary>
    /// Each process's CPU time so far, in clock ticks of <c>/proc/PID/stat</c>, by part. A process that ended between two
    /// samples is lost (PostgreSQL's backends and the application live through a measurement; a short verb's would not).
    /// </summary>
    public sealed record Sample(Dictionary<int, (Part Part, long Ticks)> Processes, DateTime At)
    {
        public static Sample Take()
        {
            var processes = new Dictionary<int, (Part, long)>();
            if (!OperatingSystem.IsLinux()) return new(processes, DateTime.UtcNow);
            var self = Environment.ProcessId;
            foreach (var directory in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(directory), out var pid)) continue;
                try
                {
                    var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                    // "pid (comm) state ppid ...": utime and stime are the 14th and 15th fields; comm may hold spaces.
                    var close = stat.LastIndexOf(')');
                    var command = stat[(stat.IndexOf('(') + 1)..close];
                    var fields = stat[(close + 2)..].Split(' ');
                    var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                    if (pid == self) processes[pid] = (Part.Client, ticks);
                    else if (command == "postgres") processes[pid] = (Part.Database, ticks);
                    else if (command == "dotnet" && IsApplication(File.ReadAllText(Path.Combine(directory, "cmdline")))) processes[pid] = (Part.Application, ticks);
                }
                catch (IOException)
                {
                    // the process ended while it was read
                }
                catch (UnauthorizedAccessException)
                {
                }
            }
            return new(processes, DateTime.UtcNow);
        }

        /// <summary>The cores each part used on average from <paramref name="start"/> to this sample.</summary>
        public CpuShares Since(Sample start)
        {
            var seconds = (At - start.At).TotalSeconds * TicksPerSecond;
            if (seconds <= 0 || !OperatingSystem.IsLinux()) return None;
            // A process that started meanwhile counts from nothing; one that ended meanwhile is not in this sample.
            double Used(Part part) => Processes.Where(p => p.Value.Part == part)
                .Sum(p => p.Value.Ticks - (start.Processes.TryGetValue(p.Key, out var before) ? before.Ticks : 0)) / seconds;
            return new(Used(Part.Application), Used(Part.Database), Used(Part.Client));
        }

        // The application, a node of it, or the CRUD peer ("EventCrm.Benchmarks.dll peer ..."); a verb's process too.
        private static bool IsApplication(string commandLine)
        {
            var arguments = commandLine.Split('\0');
            return arguments.Any(a => a.EndsWith("EventCrm.dll", StringComparison.Ordinal))
                || (arguments.Any(a => a.EndsWith("EventCrm.Benchmarks.dll", StringComparison.Ordinal)) && arguments.Contains("peer"));
        }
    }

    public enum Part { Application, Database, Client }

    // USER_HZ: 100 on every Linux this runs on (sysconf(_SC_CLK_TCK)).
    private const double TicksPerSecond = 100;
}
