using EventCrm.Infrastructure.Security;
using EventCrm.Infrastructure.Storage;
using Hangfire;
using Hangfire.Dashboard;
using Hangfire.PostgreSql;
using Npgsql;

namespace EventCrm.Infrastructure.Jobs;

/// <summary>
/// Hangfire on PostgreSQL (schema <c>hangfire</c>) for scheduled and on-demand work. Every node runs a server
/// (unless <c>Jobs:RunServer</c> is false); they share one queue, so a job runs once in the cluster.
/// </summary>
public static class CrmJobs
{
    public const string DashboardPath = CrmSecurity.DashboardPath;

    public static IServiceCollection AddCrmJobs(this IServiceCollection services, IConfiguration configuration)
    {
        // Mapping the dashboard resolves the storage, and that happens before CLI verbs run: the storage must
        // not touch the database on creation. The schema is installed by db-apply (JobSchema).
        services.AddHangfire((services, hangfire) => hangfire
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UsePostgreSqlStorage(
                postgres => postgres.UseConnectionFactory(new DataSourceConnections(services.GetRequiredService<NpgsqlDataSource>())),
                new PostgreSqlStorageOptions
                {
                    SchemaName = Schemas.Jobs,
                    PrepareSchemaIfNecessary = false,
                    // How soon an idle worker sees a job enqueued (a training asked for over the API, say).
                    QueuePollInterval = configuration.GetValue("Jobs:QueuePollInterval", TimeSpan.FromSeconds(5)),
                    // A running job's row is kept invisible by a heartbeat (a live job keeps its own alive); when its
                    // node dies the heartbeat stops and another worker takes the job again after this long, not after
                    // Hangfire's half hour. Every job is therefore written to be safe to run again from the start.
                    UseSlidingInvisibilityTimeout = true,
                    InvisibilityTimeout = configuration.GetValue("Jobs:InvisibilityTimeout", TimeSpan.FromSeconds(30)),
                    // A lock left by a node that died (the recurring scheduler's, say: every recurring job in the
                    // cluster waits for it) is broken after this long. Not shorter than the longest job holding one
                    // (customer scoring), since a live lock is never renewed.
                    DistributedLockTimeout = configuration.GetValue("Jobs:DistributedLockTimeout", TimeSpan.FromMinutes(10)),
                }));
        services.AddSchemaStep<JobSchema>();

        if (configuration.GetValue("Jobs:RunServer", true))
        {
            services.AddHangfireServer(server =>
            {
                server.WorkerCount = configuration.GetValue("Jobs:WorkerCount", Math.Max(2, Environment.ProcessorCount));
                // How often recurring and delayed jobs are looked at (and so the finest schedule that is kept).
                server.SchedulePollingInterval = configuration.GetValue("Jobs:SchedulePollingInterval", server.SchedulePollingInterval);
            });
            services.AddHostedService<RecurringJobSchedule>();
        }

        services.AddTransient<Projections.RebuildProjections>();
        return services;
    }

    public static void MapCrmJobsDashboard(this WebApplication app)
    {
        app.MapHangfireDashboard(DashboardPath, new DashboardOptions
        {
            DashboardTitle = "EventCrm jobs",
            Authorization = [new AdminOnly()],
            AppPath = null,
        }).RequireAuthorization(Policies.Admin);
    }

    /// <summary>Defence in depth: the dashboard checks the role itself as well as through the endpoint policy.</summary>
    private sealed class AdminOnly : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context) =>
            context.GetHttpContext().User.IsInRole(Roles.Admin);
    }
}

/// <summary>Hangfire borrows connections from the application's one pool, resolved at first use.</summary>
internal sealed class DataSourceConnections(NpgsqlDataSource dataSource) : IConnectionFactory
{
    public NpgsqlConnection GetOrCreateConnection() => dataSource.CreateConnection();
}

/// <summary>Creates or upgrades the <c>hangfire</c> schema (db-apply, as the owner); the application's role reads and writes it.</summary>
internal sealed class JobSchema : ISchemaStep
{
    public string Name => "Hangfire's schema";

    public async Task ApplyAsync(SchemaChange change, CancellationToken cancellationToken)
    {
        // Hangfire's installer takes its own lock and transaction on the connection.
        PostgreSqlObjectsInstaller.Install(change.Connection, Schemas.Jobs);
        await change.Execute($"revoke all on schema {Schemas.Jobs} from public");
        await change.Grant($$"""
            grant usage on schema {{Schemas.Jobs}} to {role};
            grant select, insert, update, delete, truncate on all tables in schema {{Schemas.Jobs}} to {role};
            grant usage, select, update on all sequences in schema {{Schemas.Jobs}} to {role};
            """);
    }
}

/// <summary>
/// Registers the recurring jobs the modules declared when the host starts (not at build time, so CLI verbs never
/// touch the database).
/// </summary>
internal sealed class RecurringJobSchedule(IRecurringJobManager jobs, IEnumerable<RecurringJob> declared,
    IConfiguration configuration) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var job in declared) job.Register(jobs, configuration);
        // Idempotency keys are kept and expired by Wolverine now: the old sweep leaves existing schedules.
        jobs.RemoveIfExists("expire-idempotency-keys");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
