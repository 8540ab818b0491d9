using EventCrm.Infrastructure.Storage;
using JasperFx;
using JasperFx.CodeGeneration;
using JasperFx.Events;
using Marten;
using Npgsql;
using Weasel.Core;
using Wolverine;
using Wolverine.Marten;

namespace EventCrm.Infrastructure;

/// <summary>
/// The event store and document store (schema <c>crm</c>), and Wolverine on top of it: transactional outbox,
/// automatic transactions, durable local queues, all in the same PostgreSQL database. The contexts add their
/// projections, documents and tables in their own modules (<c>services.ConfigureMarten</c>).
/// </summary>
public static class CrmMarten
{
    private const string MissingConnection =
        "ConnectionStrings:Postgres is not configured. './build/crm run' starts a local PostgreSQL and sets it; " +
        "elsewhere set the environment variable ConnectionStrings__Postgres.";

    public static IServiceCollection AddCrmMarten(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(TimeProvider.System);
        // CLI verbs such as 'token' and 'codegen' build the host without starting it and need no database, so
        // a missing connection string is reported when the host starts, not while it is being built.
        // Read from the built configuration, not while registering, so that every source counts (a test host's too).
        services.AddOptions<PostgresConnection>()
            .Configure<IConfiguration>((options, built) => options.ConnectionString = built.GetConnectionString("Postgres"))
            .Validate(options => !string.IsNullOrWhiteSpace(options.ConnectionString), MissingConnection)
            .ValidateOnStart();
        services.AddSingleton(sp =>
        {
            // Not through the validated options: verbs that never touch the database must still build.
            var connectionString = sp.GetRequiredService<IConfiguration>().GetConnectionString("Postgres");
            return new NpgsqlDataSourceBuilder(string.IsNullOrWhiteSpace(connectionString) ? "Host=postgres-not-configured.invalid" : connectionString)
                .UseLoggerFactory(sp.GetRequiredService<ILoggerFactory>())
                .Build();
        });

        services.AddMarten(options =>
            {
                options.DatabaseSchemaName = Schemas.Crm;
                // The application's role owns nothing and changes no schema: db-apply does, as the owner.
                options.AutoCreateSchemaObjects = AutoCreate.None;
                options.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);

                // Auditors read who, why and through what each event was appended.
                options.Events.MetadataConfig.EnableAll();
                options.Events.MetadataConfig.UserNameEnabled = true;
                options.Events.StreamIdentity = StreamIdentity.AsGuid;

            })
            .UseNpgsqlDataSource()
            .UseLightweightSessions()
            .IntegrateWithWolverine(wolverine =>
            {
                wolverine.MessageStorageSchemaName = Schemas.Messaging;
                // Asynchronous projections run on one node at a time, spread over the nodes by Wolverine.
                wolverine.UseWolverineManagedEventSubscriptionDistribution = true;
            });
        services.AddSingleton<StoreNames>();
        services.AddSingleton<MartenLog>();
        services.ConfigureMarten((IServiceProvider provider, StoreOptions options) => options.Logger(provider.GetRequiredService<MartenLog>()));
        services.AddApplicationLock();

        services.AddOptions<DatabaseRoles>().BindConfiguration(DatabaseRoles.Section);
        services.AddSingleton<DatabaseSchema>();
        services.AddSingleton<Weasel.Core.Migrations.IDatabaseSource, DatabaseSchema.Source>();
        services.AddSchemaStep<StorePrivileges>();

        return services;
    }

    public static void UseCrmWolverine(this IHostBuilder host, IConfiguration configuration) => host.UseWolverine(options =>
    {
        // Tests host the app from another assembly: point discovery at this one explicitly.
        options.ApplicationAssembly = typeof(CrmMarten).Assembly;
        // Handlers generated ahead of time (build/crm) are loaded from the assembly: a first command answers 2.6 s
        // after the launch instead of 15 s. Any that are not there are compiled at start, never written to the tree.
        options.CodeGeneration.TypeLoadMode = TypeLoadMode.Auto;
        options.CodeGeneration.SourceCodeWritingEnabled = false;
        options.Policies.AutoApplyTransactions();
        options.Policies.AddMiddleware(typeof(MessageMetadata));
        options.Policies.UseDurableLocalQueues();
        options.EnableRelayOfUserName = true;
        // Solo or a cluster; how soon the other nodes notice a node that died and take over its agents and messages.
        CrmDurability.Configure(options.Durability, configuration);
        // db-apply creates Wolverine's tables as the owner; the application only reads and writes them.
        options.AutoBuildMessageStorageOnStartup = AutoCreate.None;
    });
}

/// <summary>The one PostgreSQL the application uses (<c>ConnectionStrings:Postgres</c>).</summary>
public sealed class PostgresConnection
{
    public string? ConnectionString { get; set; }
}
