using System.Diagnostics;

namespace EventCrm.Benchmarks;

/// <summary>What one closed-loop run measured.</summary>
public sealed record LoadResult(int Concurrency, long Operations, long Errors, double PerSecond, double P50, double P95, double P99,
    string? FirstError = null, CpuShares? Cpu = null)
{
    /// <summary>The cores the application, PostgreSQL and the client used while it was measured.</summary>
    public CpuShares Shares => Cpu ?? CpuShares.None;

    /// <summary>The median of repeated runs, figure by figure.</summary>
    public static LoadResult Median(IReadOnlyList<LoadResult> runs) => new(
        runs[0].Concurrency,
        (long)Middle(runs.Select(r => (double)r.Operations)),
        (long)Middle(runs.Select(r => (double)r.Errors)),
        Middle(runs.Select(r => r.PerSecond)),
        Middle(runs.Select(r => r.P50)),
        Middle(runs.Select(r => r.P95)),
        Middle(runs.Select(r => r.P99)),
        runs.Select(r => r.FirstError).FirstOrDefault(e => e is not null),
        CpuShares.Median(runs.Select(r => r.Shares)));

    /// <summary>The median of the values (the mean of the middle two for an even count).</summary>
    internal static double Middle(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

/// <summary>
/// A closed loop: a fixed number of workers, each sending its next operation as soon as the last one answered,
/// for a fixed time after a warm-up. Latency is each operation's own, in milliseconds.
/// </summary>
public static class ClosedLoop
{
    /// <summary>
    /// Runs <paramref name="concurrency"/> workers. <paramref name="worker"/> makes each worker's operation
    /// (given the worker's number); an operation throws when it failed. More than 1 % of failed operations is
    /// a broken benchmark, not a figure: the run throws with the first failure.
    /// </summary>
    public static async Task<LoadResult> Run(int concurrency, TimeSpan warmup, TimeSpan duration,
        Func<int, Func<Task>> worker, bool pinned = true)
    {
        // The load generator keeps to one core (the last) while it measures, so that it never takes the application's or
        // PostgreSQL's; Marten's append, which runs in this process as the system measured, is not pinned.
        await using var pin = pinned ? await Pinning.ToLastCore() : null;
        var operations = Enumerable.Range(0, concurrency).Select(worker).ToArray();
        var latencies = new List<double>[concurrency];
        var errors = new long[concurrency];
        string? firstError = null;
        var measuring = false;
        var stop = false;

        var tasks = Enumerable.Range(0, concurrency).Select(n => Task.Run(async () =>
        {
            var mine = latencies[n] = new List<double>(4096);
            while (!Volatile.Read(ref stop))
            {
                var started = Stopwatch.GetTimestamp();
                var ok = true;
                try { await operations[n](); }
                catch (Exception e)
                {
                    ok = false;
                    Interlocked.CompareExchange(ref firstError, e.Message, null);
                }
                if (!Volatile.Read(ref measuring)) continue;
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (!ok) errors[n]++;
            }
        })).ToArray();

        await Task.Delay(warmup);
        var clock = Stopwatch.StartNew();
        var cpu = CpuShares.Sample.Take();
        Volatile.Write(ref measuring, true);
        await Task.Delay(duration);
        Volatile.Write(ref measuring, false);
        var elapsed = clock.Elapsed;
        var shares = CpuShares.Sample.Take().Since(cpu);
        Volatile.Write(ref stop, true);
        await Task.WhenAll(tasks);

        var all = latencies.SelectMany(l => l).Order().ToArray();
        double Percentile(double p) => all.Length == 0 ? double.NaN : all[Math.Min(all.Length - 1, (int)Math.Ceiling(p * all.Length) - 1)];
        var failed = errors.Sum();
        if (failed > all.Length / 100)
            throw new InvalidOperationException($"{failed:N0} of {all.Length:N0} operations failed at {concurrency} clients; the first: {firstError}");
        return new LoadResult(concurrency, all.Length, failed, all.Length / elapsed.TotalSeconds,
            Percentile(0.50), Percentile(0.95), Percentile(0.99), firstError, shares);
    }

    /// <summary>The median of the plan's repeats of a run.</summary>
    public static async Task<LoadResult> Repeat(Plan plan, int concurrency, Func<int, Func<Task>> worker, bool pinned = true)
    {
        var runs = new List<LoadResult>();
        for (var i = 0; i < plan.Repeats; i++) runs.Add(await Run(concurrency, plan.Warmup, plan.Duration, worker, pinned));
        return LoadResult.Median(runs);
    }
}

/// <summary>
/// This process's threads on one core, with <c>taskset -a</c> (every thread of the process; .NET's own affinity setter
/// reaches only the main thread on Linux), and back on every core when disposed. Nothing on one core, or without taskset.
/// </summary>
public sealed class Pinning : IAsyncDisposable
{
    private Pinning() { }

    /// <summary>Whether runs are pinned: on Linux with two cores or more and taskset installed, unless CRM_BENCH_PIN=0.</summary>
    public static bool Enabled { get; } = OperatingSystem.IsLinux() && Environment.ProcessorCount >= 2
        && Environment.GetEnvironmentVariable("CRM_BENCH_PIN") != "0" && File.Exists("/usr/bin/taskset");

    public static async Task<Pinning?> ToLastCore()
    {
        if (!Enabled) return null;
        await Set((Environment.ProcessorCount - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        return new Pinning();
    }

    public async ValueTask DisposeAsync() => await Set($"0-{Environment.ProcessorCount - 1}");

    private static async Task Set(string cores)
    {
        using var taskset = Process.Start(new ProcessStartInfo("/usr/bin/taskset", ["-a", "-c", "-p", cores, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        await taskset.WaitForExitAsync();
        if (taskset.ExitCode != 0)
            throw new InvalidOperationException($"taskset could not pin the load generator: {await taskset.StandardError.ReadToEndAsync()}");
    }
}
