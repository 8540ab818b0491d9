using System.Net;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace EventCrm.Marketing;

/// <summary>
/// What the public mail routes answer people with: a small HTML page. A refusal is RFC 9457 problem JSON, or the same
/// problem as a page (with its status) for a browser that asks for HTML.
/// </summary>
public static class MailPages
{
    public static IResult Page(string title, string body, int status = StatusCodes.Status200OK) =>
        Results.Content($$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="robots" content="noindex"><title>{{WebUtility.HtmlEncode(title)}}</title>
            <style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}button{font-size:1rem;padding:.5rem 1rem}</style>
            </head><body><h1>{{WebUtility.HtmlEncode(title)}}</h1>{{body}}</body></html>
            """, "text/html; charset=utf-8", statusCode: status);

    public static string Text(string text) => $"<p>{WebUtility.HtmlEncode(text)}</p>";

    public static IResult Refuse(HttpContext http, ProblemDetails problem)
    {
        var wantsHtml = http.Request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase));
        return wantsHtml
            ? Page(problem.Title ?? "This link cannot be used.", Text(problem.Detail ?? ""), problem.Status ?? 400)
            : Results.Problem(problem);
    }
}
