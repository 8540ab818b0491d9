namespace EventCrm.Infrastructure.Http;

/// <summary>
/// Writes a problem as JSON when the client's <c>Accept</c> names only other types (<c>image/png</c> for a chart,
/// <c>text/html</c>, nonsense): an error is not the representation the client asked for, and without this the
/// framework finds no writer — a 500 with no body, or a <c>text/plain</c> status line. Registered after the default
/// writer, so it only answers what that one declines, and it lets that one do the writing.
/// </summary>
internal sealed class ProblemsWhateverAccepted : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => !context.HttpContext.Response.HasStarted;

    public async ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var headers = context.HttpContext.Request.Headers;
        var accept = headers.Accept;
        headers.Accept = "application/problem+json";
        try
        {
            await context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(context);
        }
        finally
        {
            headers.Accept = accept;
        }
    }
}
