using System.Globalization;
using Npgsql;
using Spectre.Console;

namespace EventCrm.Benchmarks;

/// <summary>
/// The benchmarks' own PostgreSQL (started by <c>build/crm bench</c> with production durability). Seeded
/// databases are kept as templates (<c>bench_seed_N</c>) and reused by later runs; every measurement works on
/// a fresh copy of one (<c>CREATE DATABASE … TEMPLATE</c>), so no scenario sees another's writes.
/// </summary>
/// <param name="administrator">A superuser's connection to the server's <c>postgres</c> database: creates and
/// drops the databases (a forced drop may have to end the server's own processes, such as autovacuum's).</param>
/// <param name="application">The application role's connection to the same server: the role owns nothing.</param>
/// <param name="owner">The owner role's connection: databases are its own, and it applies the schema (db-apply).</param>
public sealed class BenchServer(string administrator, string application, string owner)
{
    /// <summary>Measurement copies are named bench_work_1, bench_work_2, ...: never reused within a run.</summary>
    public const string WorkPrefix = "bench_work_";

    private int _works;

    /// <summary>
    /// Says which layout a template was seeded with; a template of the earlier one is handed to the owner, one of any
    /// other is seeded again (templates seeded inside a started host, before the seed verb, were in doubt).
    /// </summary>
    private const string Layout = "owner and application roles, seed verb";

    private readonly string _owner = new NpgsqlConnectionStringBuilder(owner).Username!;

    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder(application) { Database = database }.ConnectionString;

    /// <summary>The owner's connection: schema changes, and the baselines' own tables.</summary>
    public string OwnerConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder(owner) { Database = database }.ConnectionString;

    /// <summary>The owner's connection to the database of an application's connection string.</summary>
    public string OwnerOf(string connectionString) =>
        OwnerConnectionString(new NpgsqlConnectionStringBuilder(connectionString).Database!);

    /// <summary>A database of demo customers, seeded once and kept for later runs.</summary>
    public async Task<string> Template(int customers)
    {
        var name = $"bench_seed_{customers}";
        var earlier = $"{customers} demo customers, seed {Plan.Seed}";
        var marker = $"{earlier}, {Layout}";
        var found = await Scalar<string?>($"select shobj_description(oid, 'pg_database') from pg_database where datname = '{name}'");
        if (found == marker)
        {
            // Seeded by an earlier run, maybe under an older schema: db-apply brings its tables and indexes to the
            // ones this build declares (nothing to do when they are), so a run never measures another build's indexes.
            await ApplySchema(name);
            return name;
        }
        if (found == earlier)
        {
            // Seeded before the roles were split: handed to the owner, data and all, and the schema applied; no seeding again.
            var application = new NpgsqlConnectionStringBuilder(ConnectionString("postgres")).Username;
            await Execute($"alter database {name} owner to {_owner}");
            await Execute($"reassign owned by {application} to {_owner}", name);
            await ApplySchema(name);
            await Execute($"comment on database {name} is '{marker}'");
            return name;
        }

        // About 32 KB of disk per demo customer (3.2 GB at 100,000): the 10M-event template and the copy measured on
        // need about 25 GB, and a full disk halfway through would leave a template in doubt.
        await EnsureFreeDisk(customers * 2L * 32_768 + (2L << 30), $"seeding {customers:N0} demo customers and copying them once");
        await Execute($"drop database if exists {name} with (force)");
        await Execute($"create database {name} owner {_owner}");
        await ApplySchema(name);
        AnsiConsole.MarkupLineInterpolated($"[grey]seeding {customers:N0} demo customers into {name} (once; later runs reuse it)[/]");
        // The application's own seed verb, as an operator runs it: its host is built, not started, so no projection
        // daemon runs beside the seeder's rebuild. (Seeding inside a started host raced the daemon's own agents on the
        // asynchronous projections: ProgressionProgressOutOfOrder on the purchase facts, and a template left in doubt.)
        var (exit, output) = await AppProcess.RunVerbWithOutput(
            ["seed", "--customers", customers.ToString(CultureInfo.InvariantCulture), "--seed", Plan.Seed.ToString(CultureInfo.InvariantCulture),
             "--until", DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), "--no-models"], ConnectionString(name));
        if (exit != 0) throw new InvalidOperationException($"Seeding {name} failed (exit code {exit}):\n{output}");
        NpgsqlConnection.ClearAllPools();
        await Execute($"comment on database {name} is '{marker}'");
        return name;
    }

    /// <summary>
    /// A fresh copy of a template (or an empty database) to measure on, under a name of its own: dropping and
    /// re-creating one name ended connections that a finished measurement's pool still held (57P01 in the next one).
    /// Earlier copies nobody is connected to any more are dropped to keep the disk free; the rest go at the end.
    /// </summary>
    public async Task<string> Work(string? template = null)
    {
        NpgsqlConnection.ClearAllPools();
        await DropWorkCopies(onlyUnused: true);
        var name = $"{WorkPrefix}{Interlocked.Increment(ref _works)}";
        await Execute(template is null
            ? $"create database {name} owner {_owner}"
            : $"create database {name} owner {_owner} template {template} strategy file_copy");
        if (template is null) await ApplySchema(name);
        return ConnectionString(name);
    }

    /// <summary>Drops the measurement copies (those no one uses, or all of them).</summary>
    public async Task DropWorkCopies(bool onlyUnused)
    {
        await using var connection = new NpgsqlConnection(administrator);
        await connection.OpenAsync();
        var names = new List<string>();
        await using (var list = new NpgsqlCommand($"""
            select datname from pg_database d where datname like '{WorkPrefix}%'
              and (not $1 or not exists (select from pg_stat_activity a where a.datname = d.datname))
            """, connection))
        {
            list.Parameters.AddWithValue(onlyUnused);
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync()) names.Add(reader.GetString(0));
        }
        foreach (var name in names)
        {
            await using var drop = new NpgsqlCommand($"drop database if exists {name} with (force)", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }

    /// <summary>
    /// Waits until every asynchronous projection and the audit sealer of <paramref name="database"/> have reached the
    /// store's last event (on a fresh copy the sealer first seals the template's history), so that what is measured next
    /// is not the digestion of what came before.
    /// </summary>
    public async Task CaughtUp(string database)
    {
        // The daemon's own marks (HighWaterMark, HighWaterAllocationFence) are not projections: the projections cannot
        // pass the high-water mark anyway, and the fence need not reach the last event.
        const string behind = """
            select name, top - last_seq_id from crm.mt_event_progression, (select coalesce(max(seq_id), 0) as top from crm.mt_events) t
             where name not like 'HighWater%' and last_seq_id < top
            union all
            select 'audit sealer', top - coalesce((select max(last_seq) from audit.seal_state), 0)
              from (select coalesce(max(seq_id), 0) as top from crm.mt_events) t
             where top > coalesce((select max(last_seq) from audit.seal_state), 0)
            """;
        var deadline = DateTime.UtcNow.AddMinutes(5);
        List<object[]> lagging;
        do
        {
            lagging = await AdminRows(database, behind);
            if (lagging.Count == 0) return;
            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }
        while (DateTime.UtcNow < deadline);
        // Measured on anyway, and said: a run of many figures is not thrown away for one projection that lags.
        AnsiConsole.MarkupLineInterpolated(
            $"[yellow]not caught up after five minutes (the next figure has their work in it): {string.Join(", ", lagging.Select(r => $"{r[0]} {r[1]} events behind"))}[/]");
    }

    /// <summary>Fails with what is needed when the server's disk has less than <paramref name="bytes"/> free.</summary>
    private async Task EnsureFreeDisk(long bytes, string what)
    {
        var directory = await Scalar<string?>("select setting from pg_settings where name = 'data_directory'");
        if (directory is null || !Directory.Exists(directory)) return; // a server elsewhere: its disk is not ours to see
        var free = new DriveInfo(directory).AvailableFreeSpace;
        if (free < bytes)
            throw new InvalidOperationException(
                $"{what} needs about {bytes / (1L << 30)} GB free under {directory}; {free / (1L << 30)} GB are.");
    }

    /// <summary>The application's own db-apply, as the owner, as an operator deploys it.</summary>
    private async Task ApplySchema(string database)
    {
        var (exitCode, output) = await AppProcess.RunVerbWithOutput(["db-apply"], OwnerConnectionString(database));
        if (exitCode != 0) throw new InvalidOperationException($"db-apply failed on {database}:\n{output}");
    }

    private async Task Execute(string sql, string? database = null)
    {
        await using var connection = new NpgsqlConnection(database is null
            ? administrator
            : new NpgsqlConnectionStringBuilder(administrator) { Database = database }.ConnectionString);
        await connection.OpenAsync();
        // No time limit: copying a seeded template of 100,000 customers (CREATE DATABASE … TEMPLATE) took more than
        // the default 30 s on a busy machine, and failed the run.
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>A statement run as the superuser in one of the server's databases (an extension, say).</summary>
    public Task Admin(string database, string sql) => Execute(sql, database);

    /// <summary>A query's rows, read as the superuser in one of the server's databases (its statistics, say).</summary>
    public async Task<List<object[]>> AdminRows(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(administrator) { Database = database }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object[]>();
        while (await reader.ReadAsync())
        {
            var row = new object[reader.FieldCount];
            reader.GetValues(row);
            rows.Add(row);
        }
        return rows;
    }

    private async Task<T> Scalar<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(administrator);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync() is T value ? value : default!;
    }

    public static async Task<long> Count(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }
}
