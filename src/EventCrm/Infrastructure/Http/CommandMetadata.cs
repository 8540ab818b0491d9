using EventCrm.Infrastructure.Idempotency;
using Marten;

namespace EventCrm.Infrastructure.Http;

/// <summary>
/// Wolverine middleware for HTTP commands: the events a command appends record the authenticated user, the
/// request's correlation id, the request id as causation, and where the change came from (<c>source: api</c>).
/// </summary>
public static class CommandMetadata
{
    public const string SourceHeader = "source";
    public const string IdempotencyKeyHeader = "idempotencyKey";

    public static void Before(HttpContext http, IDocumentSession session)
    {
        session.LastModifiedBy = http.User.Identity?.Name ?? "anonymous";
        session.CorrelationId = CorrelationId.Of(http);
        session.CausationId = CorrelationId.RequestIdOf(http);
        session.SetHeader(SourceHeader, "api");
        if (IdempotencyMiddleware.KeyOf(http) is { } key)
            session.SetHeader(IdempotencyKeyHeader, key);
    }
}
