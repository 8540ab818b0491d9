using System.Diagnostics;
using System.Text;

namespace EventCrm.Fuzz;

/// <summary>How much to fuzz: the seed (<c>CRM_FUZZ_SEED</c>), the number of requests, and optionally one case or some operations.</summary>
public sealed record FuzzPlan(int Seed, int Requests, int? OnlyCase, string? OnlyOperations)
{
    public const int Quick = 5_000;
    public const int Full = 60_000;

    public static FuzzPlan FromEnvironment()
    {
        var seed = Environment.GetEnvironmentVariable("CRM_FUZZ_SEED") is { Length: > 0 } s ? int.Parse(s) : Random.Shared.Next(1, int.MaxValue);
        var requests = Environment.GetEnvironmentVariable("CRM_FUZZ_REQUESTS") is { Length: > 0 } r ? int.Parse(r)
            : Environment.GetEnvironmentVariable("CRM_FULL") is "1" or "true" ? Full : Quick;
        var only = Environment.GetEnvironmentVariable("CRM_FUZZ_CASE") is { Length: > 0 } c ? int.Parse(c) : (int?)null;
        return new FuzzPlan(seed, requests, only, Environment.GetEnvironmentVariable("CRM_FUZZ_OPERATIONS") is { Length: > 0 } o ? o : null);
    }

    public string Reproduce => $"CRM_FUZZ_SEED={Seed} CRM_FUZZ_REQUESTS={Requests}";
}

/// <summary>What a run did: its requests, the answers by status and by family, the findings, the time.</summary>
public sealed class FuzzReport
{
    public int Requests { get; set; }
    public TimeSpan Elapsed { get; set; }
    public Dictionary<int, int> ByStatus { get; } = new();
    public Dictionary<string, int> ByFamily { get; } = new();
    public Dictionary<string, int> ByOperation { get; } = new();
    public Dictionary<string, TimeSpan> TimeByFamily { get; } = new();
    public List<Finding> Findings { get; } = [];
    public TimeSpan Generating { get; set; }
    public TimeSpan Answering { get; set; }
    public TimeSpan Checking { get; set; }
    public TimeSpan Slowest { get; set; }
    public string SlowestRequest { get; set; } = "";
    public List<(TimeSpan Took, string What)> Slow { get; } = [];
    public List<string> SeedingRefused { get; } = [];
}

/// <summary>
/// Sends the cases one after another (so that a refused request's effect on the store is exact) and judges each
/// answer. First every operation is called plausibly a few times, creation routes first, so that ids exist to aim at;
/// then each operation in turn meets each family of hostile change, round after round, in an order drawn from the seed.
/// </summary>
public sealed class Fuzzer(FuzzTarget target, FuzzPlan plan)
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>The wait a long poll asks for (<c>waitSeconds</c>, as the feed takes it): answering after it is no hang.</summary>
    private static TimeSpan LongPoll(string target) =>
        System.Text.RegularExpressions.Regex.Match(target, @"[?&]waitSeconds=(\d{1,2})(&|$)") is { Success: true } match
            ? TimeSpan.FromSeconds(int.Parse(match.Groups[1].Value))
            : TimeSpan.Zero;

    private readonly Pools _pools = new();

    public async Task<FuzzReport> Run(Action<string> log)
    {
        var report = new FuzzReport();
        var generator = new Generator(target, _pools, plan.Seed);
        var operations = target.Operations
            .Where(o => plan.OnlyOperations is null || plan.OnlyOperations.Split(',').Any(x => o.Id.Contains(x, StringComparison.OrdinalIgnoreCase) || o.Path.Contains(x)))
            .OrderBy(o => o.Path, StringComparer.Ordinal).ThenBy(o => o.Method, StringComparer.Ordinal).ToList();
        if (operations.Count == 0) throw new InvalidOperationException("No operation to fuzz.");

        using var client = new WireClient(target.Host, target.Port);
        var clock = Stopwatch.StartNew();
        var mark = await target.Mark();

        // Ids to aim at: creations first (routes without a path parameter), then the rest, plausibly, twice.
        var seeding = operations.Where(o => !o.InPath.Any() && o.Method == "POST")
            .Concat(operations.Where(o => o.Method == "GET" && !o.InPath.Any()))
            .Concat(operations.Where(o => o.InPath.Any() && o.Method == "POST"))
            .Concat(operations.Where(o => o.Method == "GET" && !o.InPath.Any())).ToList();
        var index = 0;
        for (var pass = 0; pass < 2; pass++)
            foreach (var operation in seeding)
                mark = await Exchange(client, generator.Make(-(++index), operation, "valid"), mark, report);
        log($"seeded with {index} plausible requests in {clock.Elapsed.TotalSeconds:0} s: " +
            string.Join(", ", _pools.All.Select(p => $"{p.Value.Count} {p.Key}")));

        for (var i = 0; i < plan.Requests; i++)
        {
            var round = i / operations.Count;
            var order = Order(operations.Count, plan.Seed, round);
            var position = i % operations.Count;
            var operation = operations[order[position]];
            var family = Generator.Families[(round + position) % Generator.Families.Length];
            if (plan.OnlyCase is { } only && only != i) continue;
            var making = Stopwatch.StartNew();
            var made = generator.Make(i, operation, family);
            report.Generating += making.Elapsed;
            if (making.Elapsed > TimeSpan.FromSeconds(1)) report.Slow.Add((making.Elapsed, $"making case {i} ({family}, {operation})"));
            mark = await Exchange(client, made, mark, report);
            if ((i + 1) % 500 == 0)
                Progress($"{i + 1} requests in {clock.Elapsed.TotalSeconds:0} s ({report.Findings.Count} findings)");
            if (!target.Running)
            {
                report.Findings.Add(new Finding("crash", generator.Make(i, operation, family), null, "The application process exited."));
                break;
            }
        }
        report.Elapsed = clock.Elapsed;
        return report;
    }

    /// <summary>Progress while the run lasts, where the test runner's console shows it at once.</summary>
    private static void Progress(string line) => Console.Error.WriteLine($"[fuzz] {line}");

    private static int[] Order(int count, int seed, int round)
    {
        var order = Enumerable.Range(0, count).ToArray();
        new Random(unchecked(seed + round * 7919)).Shuffle(order);
        return order;
    }

    private async Task<StoreMark> Exchange(WireClient client, Case c, StoreMark before, FuzzReport report)
    {
        report.Requests++;
        report.ByFamily[c.Family] = report.ByFamily.GetValueOrDefault(c.Family) + 1;
        report.ByOperation[c.Operation.ToString()] = report.ByOperation.GetValueOrDefault(c.Operation.ToString()) + 1;
        WireResponse response;
        var sending = Stopwatch.StartNew();
        try
        {
            response = await client.Send(c.Request, Patience + LongPoll(c.Request.Target));
            report.Answering += sending.Elapsed;
        }
        catch (TimeoutException e)
        {
            report.Findings.Add(new Finding("hung", c, null, e.Message));
            return await target.Mark();
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or EndOfStreamException)
        {
            // Kestrel may close on a request it cannot parse; anything else that closes without an answer is a finding.
            if (!c.KestrelMayAnswer) report.Findings.Add(new Finding("no answer", c, null, e.Message));
            return await target.Mark();
        }
        report.ByStatus[response.Status] = report.ByStatus.GetValueOrDefault(response.Status) + 1;
        report.TimeByFamily[c.Family] = report.TimeByFamily.GetValueOrDefault(c.Family) + response.Elapsed;
        if (response.Elapsed > TimeSpan.FromSeconds(2)) report.Slow.Add((response.Elapsed, $"case {c.Index} {c.Request.Method} {Wire(c.Request.Target)} ({c.Family})"));
        if (response.Elapsed > report.Slowest)
            (report.Slowest, report.SlowestRequest) = (response.Elapsed, $"{c.Request.Method} {Wire(c.Request.Target)} ({c.Family})");

        var checking = Stopwatch.StartNew();
        report.Findings.AddRange(Verdict.Judge(c, response));
        var after = await target.Mark();
        if (response.Status >= 400 && after != before)
            report.Findings.AddRange(Verdict.JudgeStore(c, response, before, after, await target.EventsAfter(before.LastSequence)));
        if (response.Status is >= 200 and < 300) _pools.Harvest(c.Operation, response.Body, c.RecordId);
        else if (c.Index < 0) report.SeedingRefused.Add($"{c.Operation} {response.Status}: {WireRequest.Shorten(response.Text, 300)}");
        report.Checking += checking.Elapsed;
        return after;
    }

    private static string Wire(string target) => WireRequest.Shorten(WireRequest.Printable(target), 120);

    /// <summary>The report as people read it: figures, then each distinct finding with one request that shows it.</summary>
    /// <summary>One line: how many findings of which kinds, and the variables that make the run again.</summary>
    public static string Headline(FuzzReport report, FuzzPlan plan) =>
        $"{report.Findings.Count} findings ({plan.Reproduce}): " + string.Join("; ", report.Findings.GroupBy(f => f.Signature).OrderBy(g => g.Key)
            .Select(g => $"{g.Key} (case {g.First().Case.Index}: {WireRequest.Shorten(g.First().Detail, 240)})"));

    public static string Describe(FuzzReport report, FuzzPlan plan, FuzzTarget target)
    {
        var text = new StringBuilder();
        text.AppendLine($"seed {plan.Seed}: {report.Requests} requests in {report.Elapsed.TotalSeconds:0.0} s " +
                        $"({report.Requests / Math.Max(0.001, report.Elapsed.TotalSeconds):0} per second), {target.Operations.Count} operations; " +
                        $"slowest {report.Slowest.TotalMilliseconds:0} ms: {report.SlowestRequest}");
        text.AppendLine($"time: generating {report.Generating.TotalSeconds:0.0} s, sending and answering {report.Answering.TotalSeconds:0.0} s, checking {report.Checking.TotalSeconds:0.0} s");
        foreach (var refused in report.SeedingRefused.Take(40)) text.AppendLine("seeding refused: " + refused);
        foreach (var (took, what) in report.Slow.OrderByDescending(s => s.Took).Take(15))
            text.AppendLine($"slow: {took.TotalMilliseconds:0} ms {what}");
        text.AppendLine("answers: " + string.Join(", ", report.ByStatus.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}")));
        text.AppendLine("families (requests, mean answer time): " + string.Join(", ", report.ByFamily.OrderBy(f => f.Key)
            .Select(f => $"{f.Key}×{f.Value} {report.TimeByFamily.GetValueOrDefault(f.Key).TotalMilliseconds / f.Value:0.0} ms")));
        var groups = report.Findings.GroupBy(f => f.Signature).OrderBy(g => g.Key).ToList();
        text.AppendLine($"{report.Findings.Count} findings, {groups.Count} distinct (reproduce with {plan.Reproduce}, one case alone with CRM_FUZZ_CASE=N)");
        foreach (var group in groups)
        {
            var first = group.First();
            text.AppendLine();
            text.AppendLine($"## {group.Key}  ({group.Count()}×; cases {string.Join(", ", group.Take(8).Select(f => f.Case.Index))})");
            text.AppendLine($"   {first.Detail}");
            text.AppendLine($"   family {first.Case.Family}, token {first.Case.Token}{(first.Case.Role is { } r ? $" ({r})" : "")}");
            text.AppendLine("   request:  " + first.Case.Request.Describe().Replace("\n", "\n             "));
            if (first.Response is { } response)
            {
                text.AppendLine($"   response: {response.Status} {response.Header("Content-Type")} " +
                                WireRequest.Shorten(WireRequest.Printable(response.Text), 700));
                foreach (var line in target.LogLinesFor(response.Header("X-Correlation-Id") ?? "").Where(l => l.Contains("\"@l\":\"Error\"") || l.Contains("Exception")).Take(2))
                    text.AppendLine("   log:      " + WireRequest.Shorten(line, 1500));
            }
        }
        return text.ToString();
    }
}
