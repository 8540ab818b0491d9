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
        Apply(session, http);
        messaging.CorrelationId = session.CorrelationId;
    }

    /// <summary>The same metadata on a session the endpoint opens itself.</summary>
    public static void Apply(IDocumentSession session, HttpContext http)
    {
        session.LastModifiedBy = http.User.Identity?.Name ?? "anonymous";
        session.CorrelationId = CorrelationId.Of(http);
        session.CausationId = CorrelationId.RequestIdOf(http);
        session.SetHeader(SourceHeader, "api");
        if (Idempotency.KeyOf(http) is { } key)
            session.SetHeader(IdempotencyKeyHeader, key);
    }
}
