using System.Text;
using System.Text.RegularExpressions;

namespace EventCrm.FirstSession;

/// <summary>
/// The shell session of README.md's "A first session", taken from the README itself, so that the test and what a
/// newcomer reads cannot drift apart: its commands, each with what it printed.
/// </summary>
public static partial class ReadmeSession
{
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "EventCrm.sln"))) return dir.FullName;
        throw new InvalidOperationException("The repository root (EventCrm.sln) is not above the test's folder.");
    }

    /// <summary>The commands of the session's code block, continuation lines joined, comments and blank lines left out.</summary>
    public static IReadOnlyList<string> Commands()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        var block = Block().Match(readme);
        if (!block.Success) throw new InvalidOperationException("README.md has no ```bash block under '## A first session'.");

        var commands = new List<string>();
        var current = new StringBuilder();
        foreach (var raw in block.Groups["code"].Value.Split('\n'))
        {
            var line = raw.TrimEnd();
            if (current.Length == 0 && (line.Length == 0 || line.TrimStart().StartsWith('#'))) continue;
            if (line.EndsWith('\\'))
            {
                current.Append(line[..^1]).Append(' ');
                continue;
            }
            current.Append(line);
            commands.Add(current.ToString());
            current.Clear();
        }
        return commands;
    }

    /// <summary>
    /// A script that runs the commands as written, one after another in one shell (so variables carry over), with a
    /// marker after each and the variables it set at the end.
    /// </summary>
    public static string Script(IReadOnlyList<string> commands, string api)
    {
        var script = new StringBuilder("set -u\n");
        for (var i = 0; i < commands.Count; i++)
        {
            script.AppendLine(commands[i].Replace("http://localhost:5080", api));
            script.AppendLine($"printf '\\n@@end {i} %s@@\\n' $?");
        }
        script.AppendLine("printf '@@var ID=%s@@\\n' \"${ID:-}\"");
        return script.ToString();
    }

    /// <summary>Splits the script's output into what each command printed, and the variables.</summary>
    public static (IReadOnlyList<(string Output, int Exit)> Steps, IReadOnlyDictionary<string, string> Variables) Parse(string output)
    {
        var steps = new List<(string, int)>();
        var start = 0;
        foreach (Match end in End().Matches(output))
        {
            steps.Add((output[start..end.Index].Trim(), int.Parse(end.Groups["exit"].Value)));
            start = end.Index + end.Length;
        }
        var variables = Variable().Matches(output).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["value"].Value);
        return (steps, variables);
    }

    [GeneratedRegex(@"## A first session.*?```bash\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex Block();

    [GeneratedRegex(@"@@end (?<index>\d+) (?<exit>\d+)@@")]
    private static partial Regex End();

    [GeneratedRegex(@"@@var (?<name>\w+)=(?<value>.*?)@@")]
    private static partial Regex Variable();
}
