using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EventCrm.Imports;
using Spectre.Console;

namespace EventCrm.Benchmarks.Scenarios;

/// <summary>
/// A customer file as operators send them (byte-order mark, <c>;</c>, German numbers and dates, nine rows in ten
/// with a phone), imported with the application's own verb (<c>import customers FILE --culture de-DE --report
/// FILE</c>), a process per import, into an empty database: first (every row registers a customer), the same
/// file again (every row matched by e-mail and skipped), then the file with a tag added and <c>--on-duplicate
/// update</c> (every row updated). At two file sizes, so that the peak memory can be compared: a file is read as a
/// stream, so the peak should not grow with it.
/// </summary>
public static class Imports
{
    public static async Task<Section> Run(BenchServer server, Plan plan)
    {
        var rows = new List<object[]>();
        var firstImports = new Dictionary<int, (double PerSecond, double PeakMegabytes)>();
        var directory = Directory.CreateTempSubdirectory("crm-bench-imports-");
        try
        {
            foreach (var size in plan.ImportRows)
            {
                var first = Path.Combine(directory.FullName, $"customers-{size}.csv");
                var tagged = Path.Combine(directory.FullName, $"customers-{size}-tagged.csv");
                await File.WriteAllBytesAsync(first, Generate(size, tag: null));
                await File.WriteAllBytesAsync(tagged, Generate(size, tag: "bench-update"));
                var runs = new Dictionary<string, List<Measured>>();
                // The smaller file is there to compare the peak with: measured once; the larger one as often as the plan says.
                var repeats = size == plan.ImportRows.Max() ? plan.Repeats : 1;
                for (var repeat = 0; repeat < repeats; repeat++)
                {
                    var connection = await server.Work();
                    Add(runs, "first import: every row registers a customer", await Import(connection, first, [], size, r => r.Counts.Created));
                    Add(runs, "the same file again: every row skipped", await Import(connection, first, [], size, r => r.Counts.Skipped));
                    Add(runs, "a tag added, --on-duplicate update: every row updated",
                        await Import(connection, tagged, ["--on-duplicate", "update"], size, r => r.Counts.Updated));
                }
                var bytes = new FileInfo(first).Length;
                foreach (var (run, measured) in runs)
                {
                    var median = measured.OrderBy(m => m.Seconds).ElementAt(measured.Count / 2);
                    rows.Add([size, bytes / 1_048_576.0, run, size / median.Seconds, median.Seconds, median.Wall,
                        measured.Max(m => m.PeakBytes) / 1_048_576.0]);
                    if (run.StartsWith("first import", StringComparison.Ordinal))
                        firstImports[size] = (size / median.Seconds, measured.Max(m => m.PeakBytes) / 1_048_576.0);
                }
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
        return new Section("imports", "Imports: a customer file through the import verb",
            ["rows", "file MiB", "run", "rows/s", "import s", "process wall s", "peak MB"], rows,
            $"Medians of {plan.Repeats} runs at the larger size (the smaller one run once, for the peak), each on a fresh empty database ('import s' is the import's own time, as the verb reports it; " +
            "'process wall s' adds the process's start-up and storing the file); 'peak MB' is the largest peak working set of the " +
            "runs, as the process reports it. Application, PostgreSQL (durability on) and this harness share the machine's cores.",
            Goals(firstImports));
    }

    // The issue's targets: 10k rows/s creating customers from the larger file, and a peak that does not grow with the file.
    private static Goal[] Goals(Dictionary<int, (double PerSecond, double PeakMegabytes)> firstImports)
    {
        if (firstImports.Count < 2) return [];
        var (small, large) = (firstImports.Keys.Min(), firstImports.Keys.Max());
        var growth = firstImports[large].PeakMegabytes / firstImports[small].PeakMegabytes;
        return
        [
            new Goal($"first import of a {large:N0}-row file", "≥ 10,000 rows/s", $"{firstImports[large].PerSecond:N0} rows/s", firstImports[large].PerSecond >= 10_000),
            new Goal($"peak memory, {large:N0} rows × {small:N0} rows", "flat (≤ 1.2×)",
                $"{growth:0.00}× ({firstImports[large].PeakMegabytes:N0} / {firstImports[small].PeakMegabytes:N0} MB)", growth <= 1.2),
        ];
    }

    private sealed record Measured(double Seconds, double Wall, long PeakBytes);

    private static void Add(Dictionary<string, List<Measured>> runs, string run, Measured measured)
    {
        if (!runs.TryGetValue(run, out var list)) runs[run] = list = [];
        list.Add(measured);
    }

    private static async Task<Measured> Import(string connection, string file, string[] options, int expected, Func<ImportRunReport, int> counted)
    {
        var report = Path.GetTempFileName();
        try
        {
            var watch = Stopwatch.StartNew();
            var (exit, output) = await AppProcess.RunVerbWithOutput(
                ["import", "customers", file, "--culture", "de-DE", "--user", "bench", "--report", report, .. options], connection);
            var wall = watch.Elapsed.TotalSeconds;
            var text = await File.ReadAllTextAsync(report);
            if (exit != 0 || text.Length == 0) throw new InvalidOperationException($"import {Path.GetFileName(file)} failed (exit code {exit}):\n{output}");
            var result = JsonSerializer.Deserialize<ImportRunReport>(text, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
            // Each run as it ends: a long run shows its figures before the table.
            AnsiConsole.MarkupLineInterpolated(
                $"[grey]{Path.GetFileName(file)} {string.Join(' ', options)}: {result.Counts.Rows:N0} rows in {result.Seconds:F1} s ({result.Counts.Rows / result.Seconds:N0} rows/s), process {wall:F1} s, peak {result.PeakMemoryBytes / 1_048_576} MB[/]");
            // Figures of a run that did not do what it measures would mislead.
            if (result.Counts.Rows != expected || counted(result) != expected)
                throw new InvalidOperationException($"import {Path.GetFileName(file)} {string.Join(' ', options)}: expected {expected:N0} rows each doing the same, got {result.Counts}");
            return new Measured(result.Seconds, wall, result.PeakMemoryBytes);
        }
        finally
        {
            File.Delete(report);
        }
    }

    private static readonly string[] FirstNames = ["Anna", "Lukas", "Marie", "Jonas", "Sophie", "Felix", "Lena", "Paul", "Mia", "Elias", "Hannah", "Jürgen", "Özlem", "Björn"];
    private static readonly string[] LastNames = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann", "Koch", "Weiß"];
    private static readonly string[] Regions = ["Bayern", "Berlin", "Hamburg", "Hessen", "Sachsen", "Nordrhein-Westfalen"];
    private static readonly string[] Industries = ["Handel", "Software", "Maschinenbau", "Gesundheit", "Logistik"];

    /// <summary>The same file for the same size in every run: a seeded generator, one customer per row, no repeats.</summary>
    public static byte[] Generate(int rows, string? tag)
    {
        var random = new Random(Plan.Seed);
        var de = CultureInfo.GetCultureInfo("de-DE");
        var text = new StringBuilder(rows * 130);
        text.Append("Name;E-Mail;Phone;Birth date;Annual income;Country;Region;Industry;Tags\r\n");
        for (var i = 0; i < rows; i++)
        {
            var first = FirstNames[random.Next(FirstNames.Length)];
            var last = LastNames[random.Next(LastNames.Length)];
            var email = $"{first}.{last}.{i}@example.de".ToLowerInvariant();
            // Berlin numbers written as Germans write them; one row in ten without a phone.
            var phone = i % 10 == 9 ? "" : $"030 {20_000_000 + i}";
            var birth = new DateOnly(1940 + random.Next(60), 1 + random.Next(12), 1 + random.Next(28));
            var income = (20_000 + random.Next(180_000) + random.Next(100) / 100m).ToString("N2", de);
            text.Append(CultureInfo.InvariantCulture,
                $"{first} {last};{email};{phone};{birth.ToString("dd.MM.yyyy", de)};\"{income}\";DE;{Regions[random.Next(Regions.Length)]};{Industries[random.Next(Industries.Length)]};{tag}\r\n");
        }
        return [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(text.ToString())];
    }
}
