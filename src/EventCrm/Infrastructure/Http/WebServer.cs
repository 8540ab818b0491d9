using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace EventCrm.Infrastructure.Http;

/// <summary>
/// What the web server answers before any endpoint runs, in the house problem shape. Kestrel refuses some requests
/// itself, with a bare status and no body, and no application code can change how; so its limits are set well above
/// the API's own, and <see cref="UseHttpRejections"/> answers everything between them with a ProblemDetails:
/// <list type="bullet">
/// <item>a request target (path and query) over <see cref="MaxTargetLength"/> characters: 414;</item>
/// <item>headers over <see cref="MaxHeaderBytes"/> in all or more than <see cref="MaxHeaderCount"/> of them: 431;</item>
/// <item>a method the route does not take: 405 with <c>Allow</c>; a body type it does not read: 415 — both before
/// authentication, as the router decided them (a route's existence is no secret: the OpenAPI document lists it).</item>
/// </list>
/// Header values are read as UTF-8, invalid bytes as U+FFFD, instead of Kestrel refusing the whole request: each
/// header's own rules (tokens, idempotency keys, correlation ids) then judge the value.
/// Kestrel still answers by itself, without a body: a request line over <see cref="KestrelRequestLineBytes"/> (414),
/// headers over <see cref="KestrelHeaderBytes"/> or <see cref="KestrelHeaderCount"/> (431), and what is not HTTP at all
/// (400): a NUL (<c>%00</c>) in the path, raw spaces, control characters or bytes beyond ASCII in the request target,
/// a NUL or line break in a header, a Host header that is not a host, malformed chunked framing.
/// </summary>
public static class WebServer
{
    public const int MaxTargetLength = 8 * 1024;
    public const int MaxHeaderBytes = 32 * 1024;
    public const int MaxHeaderCount = 100;

    public const int KestrelRequestLineBytes = 256 * 1024;
    public const int KestrelHeaderBytes = 256 * 1024;
    public const int KestrelHeaderCount = 1000;

    // Kestrel's own name for what routing answers when no endpoint takes the method, or the body's media type.
    private const string MethodRejection = "405 HTTP Method Not Supported";
    private const string MediaTypeRejection = "415 HTTP Unsupported Media Type";

    private static readonly Encoding HeaderEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    public static IWebHostBuilder UseCrmKestrel(this IWebHostBuilder host) => host.ConfigureKestrel(kestrel =>
    {
        kestrel.AddServerHeader = false;
        kestrel.Limits.MaxRequestLineSize = KestrelRequestLineBytes;
        kestrel.Limits.MaxRequestHeadersTotalSize = KestrelHeaderBytes;
        kestrel.Limits.MaxRequestHeaderCount = KestrelHeaderCount;
        kestrel.RequestHeaderEncodingSelector = _ => HeaderEncoding;
    });

    public static IApplicationBuilder UseHttpRejections(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (await Rejection(http) is { } problem)
        {
            http.Response.StatusCode = problem.Status!.Value;
            await http.RequestServices.GetRequiredService<IProblemDetailsService>()
                .WriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem });
            return;
        }
        await next(http);
    });

    private static async Task<ProblemDetails?> Rejection(HttpContext http)
    {
        var target = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? $"{http.Request.Path}{http.Request.QueryString}";
        if (target.Length > MaxTargetLength)
            return Problem(StatusCodes.Status414UriTooLong, "urn:eventcrm:problem:uri-too-long", "The address is too long.",
                $"The path and query are {target.Length:N0} characters; this API takes at most {MaxTargetLength:N0}. Send long input in a body.");

        var count = 0;
        long bytes = 0;
        foreach (var (name, values) in http.Request.Headers)
            foreach (var value in values)
            {
                count++;
                bytes += name.Length + (value?.Length ?? 0) + 4;
            }
        if (count > MaxHeaderCount || bytes > MaxHeaderBytes)
            return Problem(StatusCodes.Status431RequestHeaderFieldsTooLarge, "urn:eventcrm:problem:headers-too-large", "The request headers are too large.",
                $"The request has {count:N0} headers of {bytes:N0} bytes in all; this API takes at most {MaxHeaderCount} headers and {MaxHeaderBytes:N0} bytes.");

        switch (http.GetEndpoint()?.DisplayName)
        {
            case MethodRejection:
                // Routing's own answer sets the Allow header from the route's methods (and writes nothing): kept, with a body.
                if (http.GetEndpoint()!.RequestDelegate is { } setsAllow) await setsAllow(http);
                var allowed = http.Response.Headers.Allow.ToString();
                return Problem(StatusCodes.Status405MethodNotAllowed, "urn:eventcrm:problem:method-not-allowed", "The route does not take this method.",
                    allowed.Length > 0 ? $"{http.Request.Path} takes {allowed}, not {http.Request.Method}." : $"{http.Request.Path} does not take {http.Request.Method}.");
            case MediaTypeRejection:
                return Problem(StatusCodes.Status415UnsupportedMediaType, "urn:eventcrm:problem:unsupported-media-type", "The route does not read this body.",
                    string.IsNullOrEmpty(http.Request.ContentType)
                        ? "Send the body with a Content-Type this route reads (see the API documentation)."
                        : $"This route does not read '{InputGuard.Printable(http.Request.ContentType)}' (see the API documentation for the types it reads).");
        }
        return null;
    }

    private static ProblemDetails Problem(int status, string type, string title, string detail) =>
        new() { Type = type, Title = title, Status = status, Detail = detail };
}
