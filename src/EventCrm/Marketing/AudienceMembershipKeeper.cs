using EventCrm.Customers;
using EventCrm.Infrastructure;
using EventCrm.Models;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;

namespace EventCrm.Marketing;

/// <summary>
/// Keeps dynamic audiences up to date as things happen: a subscription to the event store (run by the projection
/// daemon on one node at a time, from a position it records) that hands each range of events to
/// <see cref="AudienceEvaluation"/>: customer events re-evaluate those customers, an audience defined, changed or due
/// for refresh is evaluated in full, and new model scores re-evaluate the audiences that read scores. A range is
/// processed again after a crash; the evaluation records only differences, so that is harmless.
/// </summary>
public sealed class AudienceMembershipKeeper : SubscriptionBase
{
    private readonly Func<AudienceEvaluation> _evaluation;
    private readonly TimeProvider _clock;

    public AudienceMembershipKeeper(Func<AudienceEvaluation> evaluation, TimeProvider clock)
    {
        _evaluation = evaluation;
        _clock = clock;
        Name = nameof(AudienceMembershipKeeper);
        foreach (var type in Fold<Customer>.EventTypes) IncludeType(type);
        IncludeType<AudienceDefined>();
        IncludeType<AudienceFilterChanged>();
        IncludeType<AudienceRefreshRequested>();
        IncludeType<ModelScoredCustomers>();
        // From the first event: an audience defined before this subscription's first start must still be evaluated.
        // On an existing store that means reading the customer events once, which is quick while no dynamic audience
        // exists (each range is then a single query).
    }

    public override async Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller,
        IDocumentOperations operations, CancellationToken cancellationToken)
    {
        var customers = new HashSet<Guid>();
        var inFull = new Dictionary<Guid, string>();
        var scores = false;
        foreach (var e in page.Events)
        {
            switch (e.Data)
            {
                case AudienceDefined: inFull[e.StreamId] = "the audience was defined"; break;
                case AudienceFilterChanged: inFull[e.StreamId] = "the filter changed"; break;
                case AudienceRefreshRequested refresh: inFull[e.StreamId] = refresh.Reason; break;
                case ModelScoredCustomers: scores = true; break;
                default: customers.Add(e.StreamId); break;
            }
        }
        await _evaluation().Run(customers, inFull, scores, _clock.GetUtcNow(), cancellationToken);
        return NullChangeListener.Instance;
    }
}
