using System.Security.Cryptography;
using System.Text;
using EventCrm.Infrastructure.Http;
using Marten;
using JasperFx;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace EventCrm.Infrastructure.Idempotency;

/// <summary>
/// A command sent with an <c>Idempotency-Key</c> header takes effect once per user and key. The first request
/// claims the key (a row in PostgreSQL) before it runs; its response is stored when it finishes; a retry with
/// the same body gets that response again, marked <c>Idempotent-Replayed: true</c>, without running the
/// command. The same key with a different request is refused (422); a retry while the first request is still
/// running gets 409. A request that fails on the server (5xx or an exception) releases the key so that the
/// client can retry. A process crash between the commit and storing the response leaves the key claimed until
/// it expires: the retry is refused, never applied twice.
/// </summary>
public static class IdempotencyMiddleware
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public const int MaxKeyLength = 255;

    public static string? KeyOf(HttpContext http) =>
        http.Request.Headers.TryGetValue(Header, out var value) && value.Count == 1 ? value[0] : null;

    public static IApplicationBuilder UseIdempotency(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) ||
            !http.Request.Headers.ContainsKey(Header))
        {
            await next(http);
            return;
        }

        var key = KeyOf(http);
        if (key is null || key.Length is 0 or > MaxKeyLength || key.Any(c => c is < '!' or > '~'))
        {
            await Refuse(http, Problems.Validation(new Dictionary<string, string[]>
            {
                [Header] = [$"Send one key of 1 to {MaxKeyLength} visible ASCII characters."],
            }));
            return;
        }

        var store = http.RequestServices.GetRequiredService<IDocumentStore>();
        var clock = http.RequestServices.GetRequiredService<TimeProvider>();
        var retention = http.RequestServices.GetRequiredService<IOptions<IdempotencyOptions>>().Value.Retention;
        var user = http.User.Identity?.Name ?? "anonymous";
        var now = clock.GetUtcNow();

        var claim = new IdempotencyRecord
        {
            Id = Hash($"{user}\n{key}"),
            User = user,
            Key = key,
            RequestHash = await HashRequest(http.Request),
            CreatedAt = now,
            ExpiresAt = now + retention,
        };

        var existing = await TryClaim(store, claim, now, http.RequestAborted);
        if (existing is not null)
        {
            await Answer(http, existing, claim);
            return;
        }

        var originalBody = http.Response.Body;
        using var captured = new MemoryStream();
        http.Response.Body = captured;
        try
        {
            await next(http);
        }
        catch
        {
            await Release(store, claim.Id);
            throw;
        }
        finally
        {
            http.Response.Body = originalBody;
        }

        if (http.Response.StatusCode >= 500)
        {
            await Release(store, claim.Id);
        }
        else
        {
            claim.Completed = true;
            claim.StatusCode = http.Response.StatusCode;
            claim.ContentType = http.Response.ContentType;
            claim.Location = http.Response.Headers.Location.ToString() is { Length: > 0 } location ? location : null;
            claim.Body = captured.ToArray();
            await using var session = store.LightweightSession();
            session.Update(claim);
            await session.SaveChangesAsync(CancellationToken.None);
        }

        captured.Position = 0;
        await captured.CopyToAsync(originalBody, http.RequestAborted);
    });

    /// <summary>Claims the key, or returns the record of the request that already holds it.</summary>
    private static async Task<IdempotencyRecord?> TryClaim(IDocumentStore store, IdempotencyRecord claim,
        DateTimeOffset now, CancellationToken cancellation)
    {
        try
        {
            await using var session = store.LightweightSession();
            session.Insert(claim);
            await session.SaveChangesAsync(cancellation);
            return null;
        }
        catch (DocumentAlreadyExistsException)
        {
            await using var session = store.LightweightSession();
            var existing = await session.LoadAsync<IdempotencyRecord>(claim.Id, cancellation);
            if (existing is null || existing.ExpiresAt > now) return existing;

            // Expired but not yet swept by the cleanup job: the key is free again.
            session.Store(claim);
            await session.SaveChangesAsync(cancellation);
            return null;
        }
    }

    private static async Task Answer(HttpContext http, IdempotencyRecord existing, IdempotencyRecord attempt)
    {
        if (existing.RequestHash != attempt.RequestHash)
        {
            await Refuse(http, Problems.RuleViolation(
                "The Idempotency-Key was already used for a different request.",
                "Use a new key for a new request; reuse a key only to retry exactly the same request."));
            return;
        }

        if (!existing.Completed)
        {
            http.Response.Headers.RetryAfter = "1";
            await Refuse(http, new ProblemDetails
            {
                Type = "urn:eventcrm:problem:request-in-progress",
                Title = "A request with this Idempotency-Key is still in progress.",
                Status = StatusCodes.Status409Conflict,
                Detail = "Retry after it has finished.",
            });
            return;
        }

        http.Response.StatusCode = existing.StatusCode;
        http.Response.Headers[ReplayedHeader] = "true";
        if (existing.ContentType is not null) http.Response.ContentType = existing.ContentType;
        if (existing.Location is not null) http.Response.Headers.Location = existing.Location;
        if (existing.Body is { Length: > 0 } body) await http.Response.Body.WriteAsync(body, http.RequestAborted);
    }

    private static async Task Release(IDocumentStore store, string id)
    {
        await using var session = store.LightweightSession();
        session.Delete<IdempotencyRecord>(id);
        await session.SaveChangesAsync(CancellationToken.None);
    }

    private static async Task Refuse(HttpContext http, ProblemDetails problem)
    {
        http.Response.StatusCode = problem.Status ?? StatusCodes.Status400BadRequest;
        await http.RequestServices.GetRequiredService<IProblemDetailsService>()
            .WriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem });
    }

    /// <summary>The same key on another route or with another body is another request.</summary>
    private static async Task<string> HashRequest(HttpRequest request)
    {
        request.EnableBuffering();
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes($"{request.Method} {request.Path}{request.QueryString}\n"));
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(buffer)) > 0)
            sha.AppendData(buffer, 0, read);
        request.Body.Position = 0;
        return Convert.ToHexString(sha.GetHashAndReset());
    }

    private static string Hash(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
