namespace EventCrm.Audit;

/// <summary>
/// An event that records an erasure: once it is committed, the personal data in its stream's earlier events is
/// masked. Every context's erasure event carries this marker, so that whoever checks the event log (auditors, the
/// sealed log) can tell a recorded erasure from an alteration.
/// </summary>
public interface IRecordsErasure
{
    string Reason { get; }

    DateTimeOffset At { get; }
}
