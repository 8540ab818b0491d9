using System.Text;
using EventCrm.Infrastructure.Http;
using Microsoft.AspNetCore.Mvc;

namespace EventCrm.Marketing;

/// <summary>
/// A CSV file a marketing import sends: the body (<c>text/csv</c>) or the multipart field <c>file</c>, read as UTF-8
/// that must be valid. A body that cannot be read as either is a 400 naming why, never a server error.
/// </summary>
public static class UploadedCsv
{
    /// <summary>The file, checked to be UTF-8 and read from its start, or the problem with the request.</summary>
    public static async Task<(Stream? File, ProblemDetails Problem)> Read(HttpRequest request, int maxBytes, CancellationToken cancellation)
    {
        Stream? body;
        try
        {
            body = request.HasFormContentType
                ? (await request.ReadFormAsync(cancellation)).Files.GetFile("file")?.OpenReadStream()
                : request.ContentType?.StartsWith("text/", StringComparison.OrdinalIgnoreCase) == true ? request.Body : null;
        }
        catch (InvalidDataException)
        {
            return (null, Refused("The form cannot be read: too many fields, or a field or part header that is too long."));
        }
        catch (IOException ended) when (ended is not BadHttpRequestException)
        {
            return (null, Refused("The body ends before it is complete."));
        }
        if (body is null) return (null, new FieldErrors().Add("file", "Send the file as a text/csv body or as the multipart field 'file'.").ToProblem());

        var buffer = new MemoryStream();
        await body.CopyToAsync(buffer, cancellation);
        if (buffer.Length > maxBytes) return (null, new FieldErrors().Add("file", $"The file is larger than {maxBytes} bytes.").ToProblem());
        try
        {
            Strict.GetCharCount(buffer.GetBuffer(), 0, (int)buffer.Length);
            buffer.Position = 0;
            return (buffer, Problems.None);
        }
        catch (DecoderFallbackException invalid)
        {
            return (null, new FieldErrors().Add("file", $"The file is not UTF-8 text (byte {invalid.Index} is not).").ToProblem());
        }
    }

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static ProblemDetails Refused(string detail) => new()
    {
        Type = Problems.ValidationType,
        Title = "The request is invalid.",
        Status = StatusCodes.Status400BadRequest,
        Detail = detail,
    };
}
