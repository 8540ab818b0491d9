using EventCrm.Customers;
using EventCrm.Infrastructure.Storage;
using Marten;
using Marten.Linq.MatchesSql;

namespace EventCrm.Models;

/// <summary>The customer list's score filters, answered from the latest scores the models wrote.</summary>
public sealed class ScoredCustomers(StoreNames names, IDocumentStore store) : ICustomerScores
{
    public async Task<IReadOnlyList<string>> SegmentNames(CancellationToken cancellation)
    {
        await using var session = store.QuerySession();
        var names = await session.Query<CustomerScore>().Where(s => s.SegmentName != null)
            .Select(s => s.SegmentName!).Distinct().ToListAsync(cancellation);
        return [.. names.Order(StringComparer.Ordinal)];
    }

    public IQueryable<CustomerProfile> WithChurnRiskOf(IQueryable<CustomerProfile> customers, double minChurnRisk) =>
        customers.Where(p => p.MatchesSql(
            $"d.id in (select id from {names.Table<CustomerScore>()} where {names.Column<CustomerScore>(s => s.ChurnRisk)} >= ?)",
            minChurnRisk));

    public IQueryable<CustomerProfile> InSegment(IQueryable<CustomerProfile> customers, string segment) =>
        customers.Where(p => p.MatchesSql(
            $"d.id in (select id from {names.Table<CustomerScore>()} where {names.Column<CustomerScore>(s => s.SegmentName)} = ?)",
            segment));
}
