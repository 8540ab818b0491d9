using System.Globalization;
using CsvHelper;
using EventCrm.Infrastructure.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace EventCrm.Analytics;

/// <summary>A result as rows and columns: what CSV is written from.</summary>
public sealed record Table(IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<object?>> Rows);

/// <summary>
/// One result, three forms: JSON (default), CSV (<c>Accept: text/csv</c>) and, where the result has a chart,
/// PNG or SVG (<c>Accept: image/png</c> or <c>image/svg+xml</c>). Anything else the client insists on is a 406.
/// </summary>
public static class Formats
{
    public const string Csv = "text/csv";
    public const string Png = "image/png";
    public const string Svg = "image/svg+xml";
    public const int ChartWidth = 900;
    public const int ChartHeight = 560;

    public static IResult Respond<T>(HttpContext http, T result, Func<Table> table, Func<ScottPlot.Plot>? chart = null)
    {
        foreach (var accepted in Accepted(http))
        {
            switch (accepted)
            {
                case "application/json" or "application/*" or "*/*":
                    return Results.Json(result);
                case Csv or "text/*":
                    return Results.Text(WriteCsv(table()), "text/csv; charset=utf-8");
                case Png when chart is not null:
                    return Results.Bytes(chart().GetImageBytes(ChartWidth, ChartHeight, ScottPlot.ImageFormat.Png), Png);
                case Svg or "image/*" when chart is not null:
                    return Results.Text(chart().GetSvgXml(ChartWidth, ChartHeight), Svg);
            }
        }
        return Results.Problem(new ProblemDetails
        {
            Type = "urn:eventcrm:problem:not-acceptable",
            Title = "This result is not available in the format asked for.",
            Status = StatusCodes.Status406NotAcceptable,
            Detail = chart is null
                ? "Ask for application/json or text/csv."
                : "Ask for application/json, text/csv, image/png or image/svg+xml.",
        });
    }

    /// <summary>The media types the client accepts, best first; JSON when it does not say.</summary>
    private static IEnumerable<string> Accepted(HttpContext http)
    {
        var accept = http.Request.GetTypedHeaders().Accept;
        if (accept.Count == 0) return ["application/json"];
        return accept
            .Where(a => a.Quality is not 0)
            .OrderByDescending(a => a.Quality ?? 1)
            .Select(a => a.MediaType.Value?.ToLowerInvariant() ?? "");
    }

    public static string WriteCsv(Table table)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = CsvWriter.Create(writer, new CsvWriterOptions(), leaveOpen: true))
        {
            csv.WriteRecord([.. table.Columns]);
            foreach (var row in table.Rows) csv.WriteRecord([.. row.Select(Cell)]);
            csv.Flush();
        }
        return writer.ToString();
    }

    private static string Cell(object? value) => value switch
    {
        null => "",
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        decimal m => m.ToString(CultureInfo.InvariantCulture),
        DateTimeOffset t => t.ToString("O", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => Text(value.ToString() ?? ""),
    };

    /// <summary>
    /// Text that a spreadsheet would run as a formula (it begins with = + - @, a tab or a carriage return) is written
    /// with a leading apostrophe, which spreadsheets show as text (OWASP's advice on CSV injection). Numbers are
    /// written as numbers and never escaped.
    /// </summary>
    public static string Text(string text) =>
        text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + text : text;
}
