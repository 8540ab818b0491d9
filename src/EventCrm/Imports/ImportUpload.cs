using EventCrm.Infrastructure.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace EventCrm.Imports;

/// <summary>
/// The file an import request carries: the part <c>file</c> of a <c>multipart/form-data</c> body, or a JSON array sent
/// as the body itself; or, when the request carries none that can be read, the problem to answer (400, 413, 415).
/// A multipart body is read whole (the file to a temporary file on disk, as ASP.NET Core does) before anything is
/// stored, so a malformed one — no boundary, a boundary over 70 characters, oversized part headers, more than
/// <see cref="MaxFormFields"/> fields, no closing boundary — is refused with nothing left behind.
/// </summary>
public sealed record ImportUpload(string FileName, string Format, Stream? Content, string Field, ProblemDetails? Problem)
{
    /// <summary>RFC 2046: a boundary is 1 to 70 characters.</summary>
    public const int MaxBoundaryLength = 70;
    public const int MaxFormFields = 1024;
    public const int MaxPartHeaderBytes = 16 * 1024;
    public const int MaxPartHeaderCount = 16;
    public const int MaxFileNameLength = 200;

    public static async Task<ImportUpload> Read(HttpContext http, CancellationToken cancellation)
    {
        var request = http.Request;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type))
            return Refused(UnsupportedMediaType(request.ContentType));

        if (type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value;
            if (string.IsNullOrEmpty(boundary))
                return Refused(Malformed("The Content-Type names no boundary: send multipart/form-data as a browser or 'curl -F file=@people.csv' does."));
            if (boundary.Length > MaxBoundaryLength)
                return Refused(Malformed($"The multipart boundary is {boundary.Length:N0} characters; a boundary is at most {MaxBoundaryLength} (RFC 2046)."));

            http.Features.Set<IFormFeature>(new FormFeature(request, new FormOptions
            {
                MultipartBoundaryLengthLimit = MaxBoundaryLength,
                ValueCountLimit = MaxFormFields,
                MultipartHeadersLengthLimit = MaxPartHeaderBytes,
                MultipartHeadersCountLimit = MaxPartHeaderCount,
                MultipartBodyLengthLimit = ImportRules.MaxFileBytes + 64 * 1024,
            }));
            IFormCollection form;
            try
            {
                form = await request.ReadFormAsync(cancellation);
            }
            catch (InvalidDataException limit)
            {
                return Refused(Limit(limit));
            }
            catch (IOException ended) when (ended is not BadHttpRequestException)
            {
                return Refused(Malformed("The multipart body ends before its closing boundary."));
            }
            if (form.Files.GetFile("file") is not { Length: > 0 } file)
                return Refused(Problems.Validation(new Dictionary<string, string[]>
                {
                    ["file"] = ["Send the file in the form field 'file' (multipart/form-data); it must not be empty."],
                }));
            var fileName = FileNameOf(file.FileName);
            return new ImportUpload(fileName, ImportSource.FormatOf(fileName, file.ContentType), file.OpenReadStream(), "file", null);
        }

        if (type.MediaType.Value?.Contains("json", StringComparison.OrdinalIgnoreCase) == true)
        {
            if (request.ContentLength == 0)
                return Refused(Problems.Validation(new Dictionary<string, string[]> { ["body"] = ["The JSON array is empty."] }));
            return new ImportUpload("request.json", "json", request.Body, "body", null);
        }
        return Refused(UnsupportedMediaType(request.ContentType));
    }

    /// <summary>The name the client gave its file, as it may be shown and stored: no folders, no control characters, not too long.</summary>
    public static string FileNameOf(string? sent)
    {
        var name = new string([.. Path.GetFileName(sent ?? "").Where(c => !char.IsControl(c) && !char.IsSurrogate(c))]).Trim();
        if (name.Length > MaxFileNameLength) name = name[..MaxFileNameLength];
        return name.Length > 0 ? name : "upload";
    }

    private static ImportUpload Refused(ProblemDetails problem) => new("", "", null, "", problem);

    private static ProblemDetails Limit(InvalidDataException limit)
    {
        var message = limit.Message;
        if (message.Contains("body length limit", StringComparison.OrdinalIgnoreCase))
            return new ProblemDetails
            {
                Type = "urn:eventcrm:problem:payload-too-large",
                Title = "The file is too large.",
                Status = StatusCodes.Status413PayloadTooLarge,
                Detail = $"An import file is at most {ImportRules.MaxFileBytes / (1024 * 1024)} MiB.",
            };
        return Malformed(message switch
        {
            _ when message.Contains("count limit", StringComparison.OrdinalIgnoreCase) && !message.Contains("header", StringComparison.OrdinalIgnoreCase) =>
                $"The form has more than {MaxFormFields:N0} fields; an import needs one, 'file'.",
            _ when message.Contains("header", StringComparison.OrdinalIgnoreCase) || message.Contains("line length", StringComparison.OrdinalIgnoreCase) =>
                $"A part's headers are too long: at most {MaxPartHeaderCount} lines and {MaxPartHeaderBytes / 1024} KiB.",
            _ when message.Contains("length limit", StringComparison.OrdinalIgnoreCase) => "A form field's name or value is too long.",
            _ => "The multipart body is malformed.",
        });
    }

    private static ProblemDetails Malformed(string detail) => new()
    {
        Type = "urn:eventcrm:problem:malformed-multipart",
        Title = "The upload cannot be read.",
        Status = StatusCodes.Status400BadRequest,
        Detail = detail,
    };

    private static ProblemDetails UnsupportedMediaType(string? contentType) => new()
    {
        Type = "urn:eventcrm:problem:unsupported-media-type",
        Title = "Send a file as multipart/form-data, or a JSON array.",
        Status = StatusCodes.Status415UnsupportedMediaType,
        Detail = string.IsNullOrEmpty(contentType)
            ? "The request has no Content-Type: send multipart/form-data with the file in 'file', or a JSON array as application/json."
            : $"Content-Type '{InputGuard.Printable(contentType)}' is neither multipart/form-data nor application/json.",
    };
}
