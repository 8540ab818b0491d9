using System.Linq.Expressions;
using Hangfire;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EventCrm.Infrastructure.Jobs;

/// <summary>
/// A job that Hangfire runs on a schedule. Contexts declare theirs in their module with
/// <see cref="RecurringJobs.AddRecurringJob{TJob}"/>; the schedule is read from configuration when the host starts,
/// so a test host's or an operator's settings count.
/// </summary>
public sealed record RecurringJob(string Id, Action<IRecurringJobManager, IConfiguration> Register);

public static class RecurringJobs
{
    /// <summary>
    /// Registers <typeparamref name="TJob"/> as a service and runs it under <paramref name="id"/> on the cron in
    /// configuration key <paramref name="cronKey"/>, or <paramref name="defaultCron"/>.
    /// </summary>
    public static IServiceCollection AddRecurringJob<TJob>(this IServiceCollection services, string id, string cronKey,
        string defaultCron, Expression<Func<TJob, Task>> run) where TJob : class
    {
        services.TryAddTransient<TJob>();
        services.AddSingleton(new RecurringJob(id,
            (jobs, configuration) => jobs.AddOrUpdate(id, run, configuration[cronKey] ?? defaultCron)));
        return services;
    }
}
