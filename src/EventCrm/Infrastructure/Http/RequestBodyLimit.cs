using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace EventCrm.Infrastructure.Http;

/// <summary>
/// Refuses bodies over the configured limit (<c>Api:MaxRequestBodyBytes</c>, 1 MiB unless an endpoint declares its
/// own with <c>[RequestSizeLimit]</c>) with a 413. A declared length is checked before anything is read; a chunked
/// body is counted as it is read, whoever reads it, and the read that crosses the limit fails with a 413 — the same
/// limit for both, and nothing held in memory for it. Runs after authentication and authorization, so an anonymous
/// caller is refused before a byte of a body is read.
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

            // Kestrel enforces a limit on the wire too, but counts a chunked body's framing with it (8 bytes a 4 KiB
            // chunk, more for smaller ones), so the same figure refused chunked bodies below the limit: its bound is
            // twice ours, and ours, counted on the body's own bytes, is the one a client meets. (The test host has no such feature.)
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } wire)
                wire.MaxRequestBodySize = 2 * limit + 64 * 1024;

            if (http.Request.ContentLength is { } declared && declared > limit)
            {
                await TooLarge(http, limit);
                return;
            }
            http.Request.Body = new Limited(http.Request.Body, limit);
            await next(http);
        });
    }

    /// <summary>The 413 a read past the limit raises (mapped to a ProblemDetails by the exception handler).</summary>
    public static BadHttpRequestException Exceeded(long limit) =>
        new($"This endpoint accepts at most {limit} bytes.", StatusCodes.Status413PayloadTooLarge);

    private static async Task TooLarge(HttpContext http, long limit)
    {
        http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
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

    /// <summary>A body that fails the read which takes it past <c>limit</c> bytes.</summary>
    private sealed class Limited(Stream inner, long limit) : Stream
    {
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int read)
        {
            _read += read;
            if (_read > limit) throw Exceeded(limit);
            return read;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
