using Marten;
using Wolverine.Marten;

namespace EventCrm.Marketing;

/// <summary>
/// Events for a stream other than the one a command decides on (an audience's members stream), committed in the
/// command's own transaction.
/// </summary>
public sealed record AppendEvents(Guid Stream, IReadOnlyList<object> Events) : IMartenOp
{
    public void Execute(IDocumentSession session)
    {
        if (Events.Count > 0) session.Events.Append(Stream, Events);
    }
}
