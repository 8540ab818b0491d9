using EventCrm.Infrastructure.Http;
using Serilog;
using Serilog.Formatting.Compact;

namespace EventCrm.Infrastructure;

/// <summary>Structured logging: one line per request carrying the correlation id and the user.</summary>
public static class CrmLogging
{
    public static void AddCrmLogging(this WebApplicationBuilder builder)
    {
        var json = string.Equals(builder.Configuration["Logging:Format"], "json", StringComparison.OrdinalIgnoreCase);
        builder.Services.AddSerilog((services, logger) =>
        {
            logger.ReadFrom.Configuration(builder.Configuration)
                .ReadFrom.Services(services)
                .Enrich.FromLogContext();
            if (json)
                logger.WriteTo.Console(new RenderedCompactJsonFormatter());
            else
                logger.WriteTo.Console(outputTemplate:
                    "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj} {CorrelationId}{NewLine}{Exception}");
        });
    }

    /// <summary>
    /// One line per request at the level its answer deserves: a 5xx is an error, a client's mistake (4xx) is
    /// information — never a stack trace — and so is a success.
    /// </summary>
    public static void EnrichRequestLog(Serilog.AspNetCore.RequestLoggingOptions options)
    {
        options.GetLevel = (http, _, exception) =>
            http.Response.StatusCode >= 500 || (exception is not null && http.Response.StatusCode == 200)
                ? Serilog.Events.LogEventLevel.Error
                : Serilog.Events.LogEventLevel.Information;
        options.EnrichDiagnosticContext = (diagnostics, http) =>
        {
            diagnostics.Set("CorrelationId", CorrelationId.Of(http));
            diagnostics.Set("User", http.User.Identity?.Name ?? "anonymous");
        };
    }
}
