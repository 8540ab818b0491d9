using JasperFx;
using JasperFx.Descriptors;
using Npgsql;
using Weasel.Core;
using Weasel.Core.Migrations;
using Weasel.Postgresql;

namespace EventCrm.Infrastructure.Storage;

/// <summary>
/// A change to the database that only its owner may make (tables outside Marten and Wolverine, triggers,
/// functions, privileges), made by <c>db-apply</c> after Marten's and Wolverine's own schemas are current. Steps
/// run in the order their modules registered them, each statement on its own unless the step opens a transaction,
/// and must be safe to run again.
/// </summary>
public interface ISchemaStep
{
    string Name { get; }

    /// <summary>
    /// Runs before Marten's and Wolverine's schemas are applied: a step whose views read their tables drops them here
    /// (and makes them again in <see cref="ApplyAsync"/>), so that a table Marten recreates has nothing depending on it.
    /// </summary>
    Task PrepareAsync(NpgsqlConnection connection, CancellationToken cancellation) => Task.CompletedTask;

    Task ApplyAsync(SchemaChange change, CancellationToken cancellation);
}

/// <summary>What a schema step works with: the owner's connection and transaction, and the role the application runs as.</summary>
public sealed class SchemaChange(NpgsqlConnection connection, string? applicationRole)
{
    public NpgsqlConnection Connection { get; } = connection;

    /// <summary>
    /// The application's role, quoted for SQL; null when db-apply runs as that role itself (a database the
    /// application owns: nothing to grant, and no least privilege either).
    /// </summary>
    public string? ApplicationRole { get; } = applicationRole;

    public async Task<object?> Execute(string sql, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, Connection);
        foreach (var parameter in parameters) command.Parameters.AddWithValue(parameter);
        return await command.ExecuteScalarAsync();
    }

    /// <summary>Grants to the application's role, when it is not the owner.</summary>
    public async Task Grant(string privileges)
    {
        if (ApplicationRole is not null) await Execute(privileges.Replace("{role}", ApplicationRole));
    }
}

public static class SchemaSteps
{
    public static IServiceCollection AddSchemaStep<TStep>(this IServiceCollection services) where TStep : class, ISchemaStep
    {
        services.AddSingleton<ISchemaStep, TStep>();
        return services;
    }
}

/// <summary>Which role the application connects as; <c>db-apply</c> grants it what it needs, and nothing more.</summary>
public sealed class DatabaseRoles
{
    public const string Section = "Database";

    /// <summary>The role in <c>ConnectionStrings:Postgres</c> when the application runs (<c>Database:ApplicationRole</c>).</summary>
    public string ApplicationRole { get; set; } = "eventcrm";
}

/// <summary>
/// The whole schema as <c>db-apply</c> makes it, run as the database's owner: Marten's and Wolverine's schemas,
/// then every <see cref="ISchemaStep"/> (Hangfire's schema, the analytics tables, the audit's functions, ...), then
/// the application role's privileges. The application itself runs as a role that owns nothing and applies no
/// changes (<c>AutoCreate.None</c>).
/// </summary>
public sealed class DatabaseSchema(IServiceProvider services, NpgsqlDataSource database, IEnumerable<ISchemaStep> steps,
    Microsoft.Extensions.Options.IOptions<DatabaseRoles> roles, ILogger<DatabaseSchema> logger)
{
    public IReadOnlyList<string> Steps => [.. steps.Select(step => step.Name)];

    public async Task ApplyAsync(CancellationToken cancellation)
    {
        await using (var preparing = await database.OpenConnectionAsync(cancellation))
            foreach (var step in steps) await step.PrepareAsync(preparing, cancellation);

        // Marten's and Wolverine's databases first, whatever order db-apply found them in (applying one that is
        // current changes nothing).
        foreach (var source in services.GetServices<IDatabaseSource>().Where(source => source is not Source))
        foreach (var other in await source.BuildDatabases())
            await other.ApplyAllConfiguredChangesToDatabaseAsync(AutoCreate.CreateOrUpdate, ct: cancellation);

        await using var connection = await database.OpenConnectionAsync(cancellation);
        // Deploy jobs applying together take turns (the lock goes with the connection).
        await using (var lockCommand = new NpgsqlCommand("select pg_advisory_lock(hashtext('eventcrm.db-apply'))", connection))
            await lockCommand.ExecuteNonQueryAsync(cancellation);

        var role = roles.Value.ApplicationRole;
        await using (var check = new NpgsqlCommand("select current_user, exists (select from pg_roles where rolname = $1)", connection))
        {
            check.Parameters.AddWithValue(role);
            await using var reader = await check.ExecuteReaderAsync(cancellation);
            await reader.ReadAsync(cancellation);
            var owner = reader.GetString(0);
            if (!reader.GetBoolean(1))
                throw new InvalidOperationException(
                    $"The application's database role '{role}' does not exist. Create it (CREATE ROLE {role} LOGIN PASSWORD '...') " +
                    "or name another one in Database__ApplicationRole, then run db-apply again.");
            if (owner == role)
            {
                logger.LogWarning("db-apply runs as the application's own role {Role}: it owns the schema, so it may alter the event log. " +
                    "Run db-apply as the database's owner and the application as a role that owns nothing (docs/operations.md)", role);
                role = null!;
            }
        }

        var change = new SchemaChange(connection, role is null ? null : new NpgsqlCommandBuilder().QuoteIdentifier(role));
        foreach (var step in steps)
        {
            logger.LogInformation("Applying {Step}", step.Name);
            await step.ApplyAsync(change, cancellation);
        }
    }

    /// <summary>Makes <c>db-apply</c> (and <c>db-list</c>) see the steps as one more database, after Marten's and Wolverine's.</summary>
    internal sealed class Source(IServiceProvider services, NpgsqlDataSource database) : IDatabaseSource
    {
        public ValueTask<IReadOnlyList<IDatabase>> BuildDatabases() =>
            ValueTask.FromResult<IReadOnlyList<IDatabase>>([new Database(services, database)]);

        public DatabaseCardinality Cardinality => DatabaseCardinality.Single;

        public ValueTask<DatabaseUsage> DescribeDatabasesAsync(CancellationToken token)
        {
            var main = new Database(services, database).Describe();
            return ValueTask.FromResult(new DatabaseUsage { Cardinality = Cardinality, MainDatabase = main, Databases = [main] });
        }
    }

    /// <summary>The steps as Weasel sees them: nothing to diff, everything applied by <see cref="ApplyAsync"/>.</summary>
    private sealed class Database(IServiceProvider services, NpgsqlDataSource database) : IDatabase
    {
        private NpgsqlConnectionStringBuilder Connection => new(database.ConnectionString);

        public string Identifier => "EventCrm";

        public DatabaseId Id => new(Connection.Host ?? "", Connection.Database ?? "");

        public List<string> TenantIds { get; } = [];

        public AutoCreate AutoCreate => AutoCreate.CreateOrUpdate;

        public Migrator Migrator { get; } = new PostgresqlMigrator();

        public DatabaseDescriptor Describe() => new(this, new Uri("eventcrm://database/schema-steps"))
        {
            Engine = "PostgreSQL",
            ServerName = Connection.Host ?? "",
            Port = Connection.Port,
            DatabaseName = Connection.Database ?? "",
            SchemaOrNamespace = Schemas.Crm,
            Identifier = Identifier,
        };

        public IFeatureSchema[] BuildFeatureSchemas() => [];

        public string[] AllSchemaNames() => [Schemas.Crm, Schemas.Messaging, Schemas.Jobs];

        public IEnumerable<ISchemaObject> AllObjects() => [];

        public Task<SchemaMigration> CreateMigrationAsync(IFeatureSchema group, CancellationToken ct) =>
            Task.FromResult(new SchemaMigration([]));

        public Task<SchemaMigration> CreateMigrationAsync(CancellationToken ct) => Task.FromResult(new SchemaMigration([]));

        public string ToDatabaseScript() =>
            "-- EventCrm's schema steps run as code in db-apply: " + string.Join(", ", Schema.Steps);

        public Task WriteCreationScriptToFileAsync(string filename, CancellationToken ct) =>
            File.WriteAllTextAsync(filename, ToDatabaseScript(), ct);

        public Task WriteScriptsByTypeAsync(string directory, CancellationToken ct) => Task.CompletedTask;

        public async Task<SchemaPatchDifference> ApplyAllConfiguredChangesToDatabaseAsync(AutoCreate? @override,
            ReconnectionOptions? reconnectionOptions, CancellationToken ct)
        {
            await Schema.ApplyAsync(ct);
            return SchemaPatchDifference.Update;
        }

        public Task AssertDatabaseMatchesConfigurationAsync(CancellationToken ct) => Task.CompletedTask;

        public async Task AssertConnectivityAsync(CancellationToken ct)
        {
            await using var connection = await database.OpenConnectionAsync(ct);
        }

        public ValueTask ReleaseConnectionPoolAsync(CancellationToken ct) => ValueTask.CompletedTask;

        private DatabaseSchema Schema => services.GetRequiredService<DatabaseSchema>();
    }
}
