using System.Text.Json;
using JasperFx.CommandLine;
using Spectre.Console;

namespace EventCrm.Audit;

public class AuditInput : NetCoreInput
{
    [Description("verify, checkpoint or new-key")]
    public string Action { get; set; } = "verify";

    [Description("new-key: the file to write the new private key to")]
    public string File { get; set; } = "";

    [Description("verify: also check this checkpoint (a JSON file as 'audit checkpoint' or GET /api/audit/checkpoints write it)")]
    [FlagAlias("checkpoint")]
    public string? CheckpointFlag { get; set; }

    [Description("verify: the first sequence to check")]
    [FlagAlias("from")]
    public long? FromFlag { get; set; }

    [Description("verify: the last sequence to check")]
    [FlagAlias("to")]
    public long? ToFlag { get; set; }

    [Description("checkpoint: write the checkpoint to this file as well")]
    [FlagAlias("out")]
    public string? OutFlag { get; set; }

    [Description("verify: print the whole report as JSON")]
    [FlagAlias("json")]
    public bool JsonFlag { get; set; }
}

/// <summary>
/// <c>audit verify [--checkpoint FILE]</c> checks the event log against what was sealed and exits 1 on any mismatch;
/// <c>audit checkpoint [--out FILE]</c> signs a checkpoint of everything sealed so far and prints it (keep it with a
/// backup, or give it to an auditor); <c>audit new-key FILE</c> writes a new ECDSA P-256 signing key.
/// </summary>
[Description("Verify the sealed event log, sign a checkpoint now, or make a signing key", Name = "audit")]
public class AuditCommand : JasperFxAsyncCommand<AuditInput>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public AuditCommand()
    {
        Usage("Verify the event log").Arguments(x => x.Action);
        Usage("Write a new signing key").Arguments(x => x.Action, x => x.File);
    }

    public override async Task<bool> Execute(AuditInput input)
    {
        if (input.Action == "new-key")
        {
            if (string.IsNullOrWhiteSpace(input.File))
            {
                AnsiConsole.MarkupLine("[red]Name the file: audit new-key FILE[/]");
                return false;
            }
            await System.IO.File.WriteAllTextAsync(input.File, AuditKeys.NewPrivateKeyPem());
            if (!OperatingSystem.IsWindows()) System.IO.File.SetUnixFileMode(input.File, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            using var key = System.Security.Cryptography.ECDsa.Create();
            key.ImportFromPem(await System.IO.File.ReadAllTextAsync(input.File));
            AnsiConsole.MarkupLineInterpolated($"Wrote a new P-256 signing key to {input.File} (key id {AuditKeys.KeyIdOf(key)}). Set Audit__Signing__KeyFile to it.");
            return true;
        }

        using var host = input.BuildHost();
        var services = host.Services;
        switch (input.Action)
        {
            case "verify":
            {
                var given = input.CheckpointFlag is { } file ? ReadCheckpoints(await System.IO.File.ReadAllTextAsync(file)) : null;
                var report = await services.GetRequiredService<AuditVerifier>().Verify(input.FromFlag, input.ToFlag, given, CancellationToken.None);
                if (input.JsonFlag) Console.WriteLine(JsonSerializer.Serialize(report, Json));
                else Print(report);
                return report.Ok;
            }
            case "checkpoint":
            {
                var checkpoints = services.GetRequiredService<Checkpoints>();
                var checkpoint = await checkpoints.SealAsync(now: true, CancellationToken.None) ?? await checkpoints.Latest(CancellationToken.None);
                if (checkpoint is null)
                {
                    AnsiConsole.MarkupLine("[yellow]No checkpoint: nothing is sealed yet, or no signing key is configured.[/]");
                    return false;
                }
                var text = JsonSerializer.Serialize(checkpoint, Json);
                if (input.OutFlag is { } output) await System.IO.File.WriteAllTextAsync(output, text);
                Console.WriteLine(text);
                return true;
            }
            default:
                AnsiConsole.MarkupLineInterpolated($"[red]Unknown action '{input.Action}': verify, checkpoint or new-key.[/]");
                return false;
        }
    }

    /// <summary>One checkpoint, a list of them, or a page of GET /api/audit/checkpoints.</summary>
    public static IReadOnlyList<Checkpoint> ReadCheckpoints(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("items", out var items)) root = items;
        return root.ValueKind == JsonValueKind.Array
            ? root.Deserialize<List<Checkpoint>>(Json)!
            : [root.Deserialize<Checkpoint>(Json)!];
    }

    private static void Print(VerificationReport report)
    {
        if (report.Ok)
            AnsiConsole.MarkupLineInterpolated(
                $"[green]ok[/]: {report.EventsChecked:N0} events and {report.CheckpointsChecked} checkpoints checked (sequences {report.From} to {report.To}, {report.Masked.Count} masked by recorded erasures) in {report.Seconds:0.###} s");
        else
            AnsiConsole.MarkupLineInterpolated(
                $"[red]{report.MismatchCount} mismatch(es)[/] in {report.EventsChecked:N0} events and {report.CheckpointsChecked} checkpoints (sequences {report.From} to {report.To}) in {report.Seconds:0.###} s");
        foreach (var mismatch in report.Mismatches)
            AnsiConsole.MarkupLineInterpolated(
                $"  [red]{mismatch.Kind}[/] {(mismatch.Sequence is { } s ? $"at sequence {s}" : $"at checkpoint {mismatch.TreeSize}")}: {mismatch.Detail}");
        foreach (var masked in report.Masked)
            AnsiConsole.MarkupLineInterpolated($"  masked: sequence {masked.Sequence}, by the {masked.ErasureType} at sequence {masked.ErasureSequence} (recorded at {masked.MaskingSequence})");
        foreach (var warning in report.Warnings) AnsiConsole.MarkupLineInterpolated($"  [yellow]{warning}[/]");
    }
}
