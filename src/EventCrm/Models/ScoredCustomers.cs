using EventCrm.Customers;
using EventCrm.Infrastructure.Storage;
using Marten.Linq.MatchesSql;

namespace EventCrm.Models;

/// <summary>The customer list's score filters, answered from the latest scores the models wrote.</summary>
public sealed class ScoredCustomers(StoreNames names) : ICustomerScores
{
    public IQueryable<CustomerProfile> WithChurnRiskOf(IQueryable<CustomerProfile> customers, double minChurnRisk) =>
        customers.Where(p => p.MatchesSql(
            $"d.id in (select id from {names.Table<CustomerScore>()} where {names.Column<CustomerScore>(s => s.ChurnRisk)} >= ?)",
            minChurnRisk));

    public IQueryable<CustomerProfile> InSegment(IQueryable<CustomerProfile> customers, string segment) =>
        customers.Where(p => p.MatchesSql(
            $"d.id in (select id from {names.Table<CustomerScore>()} where {names.Column<CustomerScore>(s => s.SegmentName)} = ?)",
            segment));
}
