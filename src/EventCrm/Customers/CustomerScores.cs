namespace EventCrm.Customers;

/// <summary>
/// What trained models say about customers, for the list's filters. The customer context asks; the models
/// context, above it, answers (it owns the scores). Without models, no customer has a score.
/// </summary>
public interface ICustomerScores
{
    /// <summary>The customers whose latest churn risk is at least <paramref name="minChurnRisk"/>.</summary>
    IQueryable<CustomerProfile> WithChurnRiskOf(IQueryable<CustomerProfile> customers, double minChurnRisk);

    /// <summary>The customers last placed in the segment named <paramref name="segment"/>.</summary>
    IQueryable<CustomerProfile> InSegment(IQueryable<CustomerProfile> customers, string segment);

    /// <summary>The names of the segments customers are in now; empty while no segments model has scored them.</summary>
    Task<IReadOnlyList<string>> SegmentNames(CancellationToken cancellation);
}

/// <summary>No models composed: no customer has a score, so a score filter matches nobody.</summary>
internal sealed class NoCustomerScores : ICustomerScores
{
    public IQueryable<CustomerProfile> WithChurnRiskOf(IQueryable<CustomerProfile> customers, double minChurnRisk) =>
        customers.Where(_ => false);

    public IQueryable<CustomerProfile> InSegment(IQueryable<CustomerProfile> customers, string segment) =>
        customers.Where(_ => false);

    public Task<IReadOnlyList<string>> SegmentNames(CancellationToken cancellation) => Task.FromResult<IReadOnlyList<string>>([]);
}
