using System.Diagnostics;
using System.Text.RegularExpressions;
using Serilog.Context;

namespace EventCrm.Infrastructure.Http;

/// <summary>
/// Every request gets a correlation id (the caller's <c>X-Correlation-Id</c> when it is well-formed, else the
/// W3C trace id) and a request id of its own. Both are echoed in response headers, attached to every log line,
/// and written into the metadata of the events the request appends, so an auditor can walk from an event to the
/// request and the logs that produced it.
/// </summary>
public static partial class CorrelationId
{
    public const string Header = "X-Correlation-Id";
    public const string RequestIdHeader = "X-Request-Id";
    private const string CorrelationKey = "crm.correlation-id";
    private const string RequestKey = "crm.request-id";

    public static string Of(HttpContext http) =>
        http.Items.TryGetValue(CorrelationKey, out var value) && value is string id ? id : http.TraceIdentifier;

    public static string RequestIdOf(HttpContext http) =>
        http.Items.TryGetValue(RequestKey, out var value) && value is string id ? id : http.TraceIdentifier;

    public static IApplicationBuilder UseCorrelationId(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        var incoming = http.Request.Headers[Header].ToString();
        var correlationId = WellFormed().IsMatch(incoming)
            ? incoming
            : Activity.Current?.TraceId.ToHexString() ?? ActivityTraceId.CreateRandom().ToHexString();
        var requestId = Guid.CreateVersion7().ToString();

        http.Items[CorrelationKey] = correlationId;
        http.Items[RequestKey] = requestId;
        http.Response.OnStarting(() =>
        {
            http.Response.Headers[Header] = correlationId;
            http.Response.Headers[RequestIdHeader] = requestId;
            return Task.CompletedTask;
        });

        using (LogContext.PushProperty("CorrelationId", correlationId))
        using (LogContext.PushProperty("RequestId", requestId))
        {
            await next(http);
        }
    });

    // Caller-supplied ids end up in logs and the event store: accept only short, plain tokens.
    [GeneratedRegex("^[A-Za-z0-9._:-]{1,64}$")]
    private static partial Regex WellFormed();
}
