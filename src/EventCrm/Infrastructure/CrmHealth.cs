using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace EventCrm.Infrastructure;

/// <summary>
/// <c>/health/live</c>: the process answers. <c>/health/ready</c>: and it can reach PostgreSQL (503 otherwise); Degraded
/// (still 200) while an asynchronous projection lags beyond its bound.
/// </summary>
public static class CrmHealth
{
    public const string Ready = "ready";

    public static IServiceCollection AddCrmHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddNpgSql(sp => sp.GetRequiredService<NpgsqlDataSource>(), name: "postgres", tags: [Ready],
                timeout: TimeSpan.FromSeconds(5));
        return services;
    }

    public static void MapCrmHealthChecks(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions
        {
            Predicate = _ => false,
            ResponseWriter = Write,
        }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(Ready),
            ResponseWriter = Write,
        }).AllowAnonymous();
    }

    private static string Unavailable(string check) => check switch
    {
        "postgres" => "PostgreSQL does not answer (or not in time).",
        "projections" => "An asynchronous projection lags beyond Observability:MaxProjectionLag (see the description).",
        _ => $"{check} is not available.",
    };

    private static Task Write(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(http.Response.Body, new
        {
            status = report.Status.ToString(),
            durationMs = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            checks = report.Entries.Select(entry => new
            {
                name = entry.Key,
                status = entry.Value.Status.ToString(),
                durationMs = Math.Round(entry.Value.Duration.TotalMilliseconds, 1),
                // What an operator can act on, never the exception's type or message (details are in the log).
                description = entry.Value.Exception is null ? entry.Value.Description : null,
                error = entry.Value.Status == HealthStatus.Healthy ? null : Unavailable(entry.Key),
            }),
        }, cancellationToken: http.RequestAborted);
    }
}
