using Xunit.Abstractions;

namespace EventCrm.Faults;

/// <summary>A scenario's measured figures: printed with the test's output and appended to one file per run.</summary>
public static class Figures
{
    public static string FilePath =>
        Environment.GetEnvironmentVariable("CRM_FAULT_FIGURES") is { Length: > 0 } path ? path : Path.Combine(Path.GetTempPath(), "eventcrm-fault-figures.txt");

    /// <summary>A timestamped step, so that a scenario that hangs says where.</summary>
    public static void Step(string what) =>
        File.AppendAllText(Path.ChangeExtension(FilePath, ".trace"), $"{DateTime.UtcNow:HH:mm:ss.fff} {what}{Environment.NewLine}");

    public static void Record(ITestOutputHelper output, string scenario, string figures)
    {
        var line = $"{scenario}: {figures}";
        output.WriteLine(line);
        File.AppendAllText(FilePath, line + Environment.NewLine);
    }
}
