using System.Text;
using System.Text.RegularExpressions;
using Spectre.Console;

namespace EventCrm.Infrastructure;

/// <summary>
/// The command line as a user of the application's verbs meets it: the frameworks' start-up chatter
/// ("Searching '…' for commands") is dropped, so a verb's output is its own (<c>TOKEN=$(… token …)</c> captures the
/// token and nothing else); lines are not wrapped at 80 columns when the output is not a terminal; and a verb that
/// needs the database says so plainly when none is configured, instead of failing on a host name it cannot resolve.
/// </summary>
public static partial class CrmConsole
{
    /// <summary>The application's own verbs, listed first (and marked) by <c>help</c>.</summary>
    public static readonly IReadOnlyList<(string Verb, string Does)> Verbs =
    [
        ("token", "mint a development token"),
        ("seed", "add deterministic demo customers"),
        ("import", "import a customer or purchase file"),
        ("models", "train or score the ML.NET models"),
        ("projections", "rebuild read models from the events"),
        ("db-apply", "create or update the database schema"),
        ("openapi", "write the OpenAPI document"),
    ];

    private static readonly string[] DatabaseVerbs = ["seed", "import", "models", "projections", "db-apply", "db-patch", "db-assert", "db-dump", "resources", "storage"];

    public static void Prepare()
    {
        var output = new Filtered(Console.Out);
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = Console.IsOutputRedirected ? AnsiSupport.No : AnsiSupport.Detect,
            Interactive = Console.IsOutputRedirected ? InteractionSupport.No : InteractionSupport.Detect,
        });
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 200;
    }

    public static bool IsHelp(string[] args) => args is [] or ["help"] or ["-h"] or ["--help"] or ["?"];

    /// <summary>The application's own verbs, before the frameworks' (which <c>help</c> lists after them).</summary>
    public static void WriteOwnVerbs()
    {
        AnsiConsole.MarkupLine("[bold]EventCrm's own verbs[/] (dotnet EventCrm.dll VERB --help for each):");
        foreach (var (verb, does) in Verbs) AnsiConsole.MarkupLineInterpolated($"  * {verb,-13} {does}");
        AnsiConsole.WriteLine();
        AnsiConsole.MarkupLine("[bold]Verbs of the frameworks it is built on[/] (Wolverine, Marten, JasperFx):");
    }

    /// <summary>A usage problem to report before any verb runs, or null.</summary>
    public static string? Refusal(string[] args, IConfiguration configuration)
    {
        if (args.Length == 0) return null;
        var roles = args.Count(a => a is "--role" or "-r");
        if (args[0] == "token" && roles > 1)
            return "usage: token --user NAME --role ROLE [ROLE...]   (give --role once, followed by every role)";
        if (DatabaseVerbs.Contains(args[0]) && string.IsNullOrWhiteSpace(configuration.GetConnectionString("Postgres")))
            return $"'{args[0]}' needs the database: set ConnectionStrings__Postgres, e.g.\n" +
                   "  ConnectionStrings__Postgres=\"$(./build/crm db url)\" dotnet artifacts/app/EventCrm.dll " + string.Join(' ', args) + "\n" +
                   "or run it through the entry script, which does that: ./build/crm app " + string.Join(' ', args);
        return null;
    }

    /// <summary>Drops the frameworks' command-discovery banner and the blank lines before the first line of output.</summary>
    private sealed partial class Filtered(TextWriter inner) : TextWriter
    {
        private readonly StringBuilder _line = new();
        private bool _started;

        public override Encoding Encoding => inner.Encoding;

        public override void Write(char value)
        {
            if (value == '\n')
            {
                var line = _line.ToString().TrimEnd('\r');
                _line.Clear();
                if (Banner().IsMatch(Escapes().Replace(line, ""))) return;
                if (!_started && line.Trim().Length == 0) return;
                _started = true;
                inner.Write(line + '\n');
                return;
            }
            _line.Append(value);
        }

        public override void Flush()
        {
            if (_line.Length > 0 && !Banner().IsMatch(Escapes().Replace(_line.ToString(), "")))
            {
                inner.Write(_line.ToString());
                _started = true;
                _line.Clear();
            }
            inner.Flush();
        }

        [GeneratedRegex(@"^Searching '.*' for commands\s*$")]
        private static partial Regex Banner();

        [GeneratedRegex(@"\x1b\[[0-9;]*m")]
        private static partial Regex Escapes();
    }
}
