using EventCrm.Infrastructure.Http;
using Marten;
using Wolverine;

namespace EventCrm.Infrastructure;

/// <summary>
/// Wolverine middleware for message handlers: events appended while handling a message say so
/// (<c>source: message:&lt;type&gt;</c>) and name the message as their cause. User and correlation id travel
/// with the message from the request that sent it.
/// </summary>
public static class MessageMetadata
{
    public static void Before(Envelope envelope, IDocumentSession session)
    {
        session.CausationId = envelope.Id.ToString();
        if (envelope.CorrelationId is { Length: > 0 } correlationId) session.CorrelationId = correlationId;
        if (envelope.UserName is { Length: > 0 } user) session.LastModifiedBy = user;
        session.SetHeader(CommandMetadata.SourceHeader, $"message:{envelope.MessageType}");
    }
}
