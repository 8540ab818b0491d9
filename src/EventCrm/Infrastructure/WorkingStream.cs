using JasperFx.Events;

namespace EventCrm.Infrastructure;

/// <summary>
/// A stream that several decisions in a row act on before one commit (an import slice, a revert): what the
/// aggregate is after the events decided so far, and those events queued on the stream. The aggregate Marten
/// loaded is never changed.
/// </summary>
public sealed class WorkingStream<T>(IEventStream<T> stream) where T : class
{
    public T? Aggregate { get; private set; } = stream.Aggregate;

    public void Append(IEnumerable<object> events)
    {
        foreach (var e in events)
        {
            Aggregate = Fold<T>.Apply(Aggregate, e);
            stream.AppendOne(e);
        }
    }
}
