using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace EventCrm.Infrastructure.Http;

/// <summary>
/// Refuses bodies over the configured limit (<c>Api:MaxRequestBodyBytes</c>, 1 MiB unless an endpoint declares
/// its own with <c>[RequestSizeLimit]</c>) with a 413 before any endpoint reads them. A declared length is
/// checked up front; a chunked body is read into memory up to the limit, so the endpoint never sees a partial
/// body and JSON parsing never mistakes a cut-off body for malformed JSON.
/// </summary>
public static class RequestBodyLimit
{
    public static IApplicationBuilder UseRequestBodyLimit(this IApplicationBuilder app)
    {
        var configured = app.ApplicationServices.GetRequiredService<IConfiguration>()
            .GetValue<long?>("Api:MaxRequestBodyBytes") ?? 1024 * 1024;

        return app.Use(async (http, next) =>
        {
            var limit = http.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize
                        ?? configured;

            // Kestrel enforces the same limit on the wire; the test host has no such feature.
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } wire)
                wire.MaxRequestBodySize = limit;

            if (http.Request.ContentLength is { } declared)
            {
                if (declared > limit)
                {
                    await TooLarge(http, limit);
                    return;
                }
            }
            else if (HasBody(http.Request))
            {
                var buffered = new MemoryStream();
                var chunk = new byte[16 * 1024];
                int read;
                while ((read = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
                {
                    if (buffered.Length + read > limit)
                    {
                        await TooLarge(http, limit);
                        return;
                    }
                    buffered.Write(chunk, 0, read);
                }
                buffered.Position = 0;
                http.Request.Body = buffered;
                http.Request.ContentLength = buffered.Length;
            }

            await next(http);
        });
    }

    private static bool HasBody(HttpRequest request) =>
        !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) &&
        !HttpMethods.IsDelete(request.Method) && !HttpMethods.IsOptions(request.Method);

    private static async Task TooLarge(HttpContext http, long limit)
    {
        http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails
            {
                Type = "urn:eventcrm:problem:payload-too-large",
                Title = "The request body is too large.",
                Status = StatusCodes.Status413PayloadTooLarge,
                Detail = $"This endpoint accepts at most {limit} bytes.",
            },
        });
    }
}
