using EventCrm.Infrastructure.Idempotency;
using Marten;
using Wolverine;

namespace EventCrm.Infrastructure.Http;

/// <summary>
/// Wolverine middleware for HTTP commands: the events a command appends record the authenticated user, the
/// request's correlation id, the request id as causation, and where the change came from (<c>source: api</c>).
/// Messages the command sends carry the same correlation id.
/// </summary>
public static class CommandMetadata
{
    public const string SourceHeader = "source";
    public const string IdempotencyKeyHeader = "idempotencyKey";

    public static void Before(HttpContext http, IDocumentSession session, IMessageContext messaging)
    {
        var correlationId = CorrelationId.Of(http);
        session.LastModifiedBy = http.User.Identity?.Name ?? "anonymous";
        session.CorrelationId = correlationId;
        messaging.CorrelationId = correlationId;
        session.CausationId = CorrelationId.RequestIdOf(http);
        session.SetHeader(SourceHeader, "api");
        if (IdempotencyMiddleware.KeyOf(http) is { } key)
            session.SetHeader(IdempotencyKeyHeader, key);
    }
}
