using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;

namespace EventCrm.Testing;

/// <summary>
/// Databases of a suite's own on the server <c>build/crm test</c> started, made the way an operator makes them:
/// created by the superuser (<c>CRM_TEST_ADMIN</c>), owned by the owner's role (<c>CRM_TEST_OWNER</c>), the schema
/// applied by the published application's <c>db-apply</c> (<c>CRM_APP_DLL</c>), the application then connecting as
/// its own role (<c>ConnectionStrings__Postgres</c>'s user).
/// </summary>
public static class Databases
{
    private static string Required(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
        ? value
        : throw new InvalidOperationException($"Set {name} (build/crm test does).");

    public static string AppDll => Required("CRM_APP_DLL");

    public static string Application(string database) =>
        new NpgsqlConnectionStringBuilder(Required("ConnectionStrings__Postgres")) { Database = database }.ConnectionString;

    public static string Owner(string database) =>
        new NpgsqlConnectionStringBuilder(Required("CRM_TEST_OWNER")) { Database = database }.ConnectionString;

    public static string Superuser(string database) =>
        new NpgsqlConnectionStringBuilder(Required("CRM_TEST_ADMIN")) { Database = database }.ConnectionString;

    /// <summary>An empty database owned by the owner's role (dropped first if a run left it).</summary>
    public static async Task Create(string database)
    {
        var owner = new NpgsqlConnectionStringBuilder(Required("CRM_TEST_OWNER")).Username;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(Superuser("postgres"));
        await connection.OpenAsync();
        foreach (var sql in new[] { $"drop database if exists {database} with (force)", $"create database {database} owner {owner}" })
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }
    }

    /// <summary>An empty database with the application's schema, applied by <c>db-apply</c> as the owner.</summary>
    public static async Task CreateWithSchema(string database)
    {
        await Create(database);
        await Verb(Owner(database), null, "db-apply");
    }

    public static async Task Drop(string database)
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(Superuser("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"drop database if exists {database} with (force)", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Runs one of the application's verbs to its end, as an operator would; throws with its output if it fails.</summary>
    public static Task<string> Verb(string connectionString, IReadOnlyDictionary<string, string>? environment, params string[] arguments) =>
        Run("dotnet", [AppDll, .. arguments], Path.GetDirectoryName(AppDll)!, new Dictionary<string, string>(environment ?? new Dictionary<string, string>())
        {
            ["ConnectionStrings__Postgres"] = connectionString,
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
        });

    /// <summary>The repository's root (the folder of EventCrm.sln).</summary>
    public static string Repository
    {
        get
        {
            for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
                if (File.Exists(Path.Combine(folder.FullName, "EventCrm.sln"))) return folder.FullName;
            throw new InvalidOperationException("The repository (EventCrm.sln) is not above the test's folder.");
        }
    }

    public static async Task<string> Run(string program, IEnumerable<string> arguments, string folder, IDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (key, value) in environment) start.Environment[key] = value;
        var output = new ConcurrentQueue<string>();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, line) => { if (line.Data is not null) output.Enqueue(line.Data); };
        process.ErrorDataReceived += (_, line) => { if (line.Data is not null) output.Enqueue(line.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await process.WaitForExitAsync();
        var text = string.Join('\n', output);
        return process.ExitCode == 0
            ? text
            : throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{string.Join('\n', output.TakeLast(40))}");
    }
}
