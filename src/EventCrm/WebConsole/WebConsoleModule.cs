using EventCrm.Infrastructure.Security;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace EventCrm.WebConsole;

/// <summary>
/// The web console at <c>/console</c>: static pages and scripts, embedded in the assembly, that call the JSON API with
/// the user's token from the browser. The pages hold no data, so they are served to anyone; every figure on them comes
/// from an API request that its own policy decides. Nothing here reads the store: the console is a client.
/// </summary>
public static class WebConsoleModule
{
    public const string Path = "/console";

    /// <summary>
    /// Scripts and styles only from the console's own files (no inline script, no inline style, no eval), data only
    /// from this origin (and the OpenID Connect provider's, for the token exchange), charts drawn from blobs the
    /// scripts fetched; never framed, never sending a referrer.
    /// </summary>
    public static string ContentSecurityPolicy(string? providerOrigin = null) =>
        $"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; connect-src 'self'{(providerOrigin is null ? "" : " " + providerOrigin)}; " +
        "form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

    private static readonly IFileProvider Pages = new EmbeddedFileProvider(typeof(WebConsoleModule).Assembly, "EventCrm.WebConsole.Pages");

    public static IApplicationBuilder UseWebConsole(this IApplicationBuilder app) => app.Map(Path, console =>
    {
        // Read at the first request, not while the pipeline is built: verbs build it without the settings a server needs.
        var policy = new Lazy<string>(() => ContentSecurityPolicy(ConsoleSignIn.ProviderOrigin(app.ApplicationServices.GetRequiredService<IOptions<AuthOptions>>().Value)));
        console.Use((http, next) =>
        {
            var headers = http.Response.Headers;
            headers.ContentSecurityPolicy = policy.Value;
            headers.XFrameOptions = "DENY";
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            headers["Cross-Origin-Resource-Policy"] = "same-origin";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";
            headers.CacheControl = "no-cache";
            return next(http);
        });
        // The pages link to each other and to the API relatively: they must be read from under /console/.
        console.Use((http, next) =>
        {
            if (http.Request.Path.HasValue) return next(http);
            http.Response.Redirect($"{http.Request.PathBase}/");
            return Task.CompletedTask;
        });
        console.Map(ConsoleSignIn.Path, settings => settings.Run(ConsoleSignIn.Serve));
        console.UseDefaultFiles(new DefaultFilesOptions { FileProvider = Pages });
        console.UseStaticFiles(new StaticFileOptions { FileProvider = Pages });
        // What is not a page: 404, or 405 for anything but reading (the status code pages give either its body).
        console.Run(http =>
        {
            if (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method))
                http.Response.StatusCode = StatusCodes.Status404NotFound;
            else
            {
                http.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                http.Response.Headers.Allow = "GET, HEAD";
            }
            return Task.CompletedTask;
        });
    });
}
