using System.Diagnostics;

namespace EventCrm.Infrastructure.Observability;

/// <summary>
/// Measures every command (a request that is not a GET or HEAD and reached an endpoint) by the endpoint's
/// operation id and the status it answered: <c>eventcrm.command.duration</c>, a histogram whose count is the
/// number of commands.
/// </summary>
internal sealed class CommandMetrics(RequestDelegate next, CrmMetrics metrics)
{
    public async Task InvokeAsync(HttpContext http)
    {
        if (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || HttpMethods.IsOptions(http.Request.Method))
        {
            await next(http);
            return;
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(http);
        }
        finally
        {
            if (http.GetEndpoint() is { } endpoint)
                metrics.CommandHandled(CommandName(endpoint), http.Response.StatusCode, Stopwatch.GetElapsedTime(started));
        }
    }

    private static string CommandName(Endpoint endpoint) =>
        endpoint.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName
        ?? (endpoint as RouteEndpoint)?.RoutePattern.RawText
        ?? endpoint.DisplayName
        ?? "unknown";
}
