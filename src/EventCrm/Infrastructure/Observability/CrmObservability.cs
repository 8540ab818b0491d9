using Microsoft.Extensions.Diagnostics.HealthChecks;
using EventCrm.Infrastructure.Security;
using Marten;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace EventCrm.Infrastructure.Observability;

/// <summary>
/// Traces and metrics with OpenTelemetry. One trace follows a command from the HTTP request through Wolverine's
/// handler, Marten's session and its SQL to the outbox messages it sent and their handlers. Metrics are served to
/// Prometheus at <c>/metrics</c> (admins only); both go to an OTLP collector as well when the standard
/// <c>OTEL_EXPORTER_OTLP_*</c> variables name one.
/// </summary>
public static class CrmObservability
{
    public const string MetricsPath = "/metrics";

    /// <summary>The activity sources and meters of the parts that emit their own.</summary>
    public static readonly string[] Sources = ["Wolverine", "Marten", "Npgsql"];

    public static void AddCrmObservability(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        services.Configure<ObservabilityOptions>(configuration.GetSection(ObservabilityOptions.Section));
        services.AddSingleton<CrmMetrics>();
        services.AddSingleton<ProjectionLag>();
        services.AddHostedService<OperationsSampler>();
        // A lag that cannot be read (a busy database answering slowly) degrades readiness like a lag that is too long:
        // it is the cluster's state, not this node's, so it must not take the node out of a balancer (503).
        services.AddHealthChecks().AddCheck<ProjectionLagCheck>("projections", failureStatus: HealthStatus.Degraded, tags: [CrmHealth.Ready]);

        // Marten's own spans (a session's connection, with its commands) and counters (events appended by type).
        services.ConfigureMarten(options =>
        {
            options.OpenTelemetry.TrackConnections = JasperFx.OpenTelemetry.TrackLevel.Normal;
            options.OpenTelemetry.TrackEventCounters();
        });

        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win when they are set.
                if (string.IsNullOrEmpty(configuration["OTEL_SERVICE_NAME"])) resource.AddService("eventcrm");
            })
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(aspnet =>
                    aspnet.Filter = http => !http.Request.Path.StartsWithSegments("/health") && !http.Request.Path.StartsWithSegments(MetricsPath))
                .AddNpgsql()
                .AddSource(Sources))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddMeter(CrmMetrics.MeterName)
                .AddMeter(Sources)
                // Every scrape sees the counts as they are (the exporter would otherwise answer from a cache).
                .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0));
        if (!string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            telemetry.UseOtlpExporter();
    }

    /// <summary>Times every command, and serves the metrics to Prometheus (admins only: it tells a lot about the data).</summary>
    public static void UseCrmObservability(this WebApplication app)
    {
        app.UseMiddleware<CommandMetrics>();
        app.MapPrometheusScrapingEndpoint(MetricsPath).RequireAuthorization(Policies.Admin);
    }
}
