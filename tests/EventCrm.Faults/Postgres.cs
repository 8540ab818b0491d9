using System.Diagnostics;

namespace EventCrm.Faults;

/// <summary>
/// The throwaway PostgreSQL cluster that <c>build/crm test</c> runs (<c>CRM_TEST_PG_*</c>), stopped the hard way
/// (<c>pg_ctl -m immediate</c>: no checkpoint, as a crash) and started again with the options it had. Every test
/// that stops it starts it again in a <c>finally</c>, and the fixture checks once more when the suite ends: the
/// suites after this one use the same cluster.
/// </summary>
public static class Postgres
{
    private static string Setting(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: run the fault suite with ./build/crm test.");

    private static string PgCtl => Path.Combine(Setting("CRM_TEST_PG_BIN"), "pg_ctl");
    private static string Data => Setting("CRM_TEST_PG_DATA");

    public static async Task StopImmediately() => await PgCtl_(["-D", Data, "-m", "immediate", "-w", "stop"]);

    public static async Task EnsureRunning()
    {
        if (await PgCtl_(["-D", Data, "status"], check: false) == 0) return;
        var socket = Setting("CRM_TEST_PG_SOCKET");
        var options = $"-c listen_addresses=127.0.0.1 -p {Setting("CRM_TEST_PG_PORT")} -k {socket} {Environment.GetEnvironmentVariable("CRM_TEST_PG_OPTIONS")}";
        await PgCtl_(["-D", Data, "-l", Path.Combine(socket, "postgres.log"), "-w", "-t", "60", "-o", options, "start"]);
    }

    private static async Task<int> PgCtl_(string[] arguments, bool check = true)
    {
        // The server refuses to run as root: as root, run its tools as its owner.
        var asRoot = Environment.UserName == "root";
        var start = new ProcessStartInfo(asRoot ? "runuser" : PgCtl)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asRoot)
            foreach (var a in new[] { "-u", "postgres", "--", PgCtl }) start.ArgumentList.Add(a);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (check && process.ExitCode != 0)
            throw new InvalidOperationException($"pg_ctl {string.Join(' ', arguments)} failed ({process.ExitCode}): {output}");
        return process.ExitCode;
    }
}
