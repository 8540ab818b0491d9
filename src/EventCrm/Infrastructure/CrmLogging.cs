using EventCrm.Infrastructure.Http;
using Serilog;
using Serilog.Formatting.Compact;

namespace EventCrm.Infrastructure;

/// <summary>
/// Structured logging: one line per request carrying the correlation id and the user. Lines are written to the console
/// by a background writer: a request hands its line over and goes on, where the console sink alone made every request
/// wait for the console's lock and a flush (a few per cent of the application's time per command in a profile). The
/// writer blocks rather than drops when its buffer is full, and is flushed when the host stops.
/// </summary>
public static class CrmLogging
{
    public static void AddCrmLogging(this WebApplicationBuilder builder)
    {
        var json = string.Equals(builder.Configuration["Logging:Format"], "json", StringComparison.OrdinalIgnoreCase);
        builder.Services.AddSerilog((services, logger) =>
        {
            logger.ReadFrom.Configuration(builder.Configuration)
                .ReadFrom.Services(services)
                .Enrich.FromLogContext()
                .Filter.ByExcluding(StoreAwayInsideRequest);
            logger.WriteTo.Async(console =>
            {
                if (json)
                    console.Console(new RenderedCompactJsonFormatter());
                else
                    console.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj} {CorrelationId}{NewLine}{Exception}");
            }, bufferSize: 10_000, blockWhenFull: true);
        });
    }

    /// <summary>
    /// Marten logs every failed command with its stack trace; while the database is away that is one error per
    /// request, which the request's own 503 line (a warning, no stack trace) already reports.
    /// </summary>
    private static bool StoreAwayInsideRequest(Serilog.Events.LogEvent e) =>
        e.Level >= Serilog.Events.LogEventLevel.Error && e.Exception is { } exception
        && e.Properties.ContainsKey("RequestPath") && CrmExceptionHandler.IsStoreUnavailable(exception);

    public static void EnrichRequestLog(Serilog.AspNetCore.RequestLoggingOptions options)
    {
        // One line per request at the level its answer deserves: a client's mistake (4xx) is information, never a
        // stack trace; a 503 is the database being away (a warning, once per request); other 5xx are faults.
        options.GetLevel = (http, _, exception) => exception is not null || http.Response.StatusCode is >= 500 and not 503
            ? Serilog.Events.LogEventLevel.Error
            : http.Response.StatusCode == 503 ? Serilog.Events.LogEventLevel.Warning : Serilog.Events.LogEventLevel.Information;
        options.EnrichDiagnosticContext = (diagnostics, http) =>
        {
            diagnostics.Set("CorrelationId", CorrelationId.Of(http));
            diagnostics.Set("User", http.User.Identity?.Name ?? "anonymous");
        };
    }
}
