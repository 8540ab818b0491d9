using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Marten;
using Marten.Linq.MatchesSql;
using Marten.Pagination;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace EventCrm.Customers;

/// <summary>The filters of the customer list; all optional, combined with AND.</summary>
public class CustomerSearch
{
    /// <summary>Part of the name (any case), or the beginning of the e-mail address.</summary>
    [FromQuery(Name = "q")] public string? Q { get; set; }
    [FromQuery(Name = "country")] public string? Country { get; set; }
    [FromQuery(Name = "tag")] public string? Tag { get; set; }
    [FromQuery(Name = "owner")] public string? Owner { get; set; }
    [FromQuery(Name = "status")] public CustomerStatus? Status { get; set; }
    /// <summary>Total spent in the house currency, at least.</summary>
    [FromQuery(Name = "minTotal")] public decimal? MinTotal { get; set; }
    [FromQuery(Name = "maxTotal")] public decimal? MaxTotal { get; set; }
    /// <summary>Churn risk (0-1) at least, as last scored by the active churn model.</summary>
    [FromQuery(Name = "minChurnRisk")] public double? MinChurnRisk { get; set; }
    /// <summary>Segment name, as last scored by the active segments model (e.g. "young high spenders").</summary>
    [FromQuery(Name = "segment")] public string? Segment { get; set; }
    /// <summary>name, registeredAt, totalSpent or lastPurchaseAt; '-' in front for descending.</summary>
    [FromQuery(Name = "sort")] public string? Sort { get; set; }
    [FromQuery(Name = "page")] public int? Page { get; set; }
    [FromQuery(Name = "pageSize")] public int? PageSize { get; set; }
}

public static class ListCustomersEndpoint
{
    private static readonly string[] Sorts = ["name", "registeredAt", "totalSpent", "lastPurchaseAt"];

    public static ProblemDetails Validate([AsParameters] CustomerSearch search)
    {
        var errors = new FieldErrors().CheckPaging(search.Page, search.PageSize);
        if (search.Sort is { } sort && !Sorts.Contains(sort.StartsWith('-') ? sort[1..] : sort))
            errors.Add("sort", $"'sort' must be one of {string.Join(", ", Sorts)}, optionally with a leading '-'.");
        if (search.MinTotal > search.MaxTotal) errors.Add("minTotal", "'minTotal' cannot be more than 'maxTotal'.");
        if (search.MinChurnRisk is < 0 or > 1) errors.Add("minChurnRisk", "'minChurnRisk' is a probability between 0 and 1.");
        errors.OptionalText("segment", search.Segment, 100);
        if (!string.IsNullOrWhiteSpace(search.Country) && Demographic.NormaliseCountry(search.Country) is null)
            errors.Add("country", Demographic.UnknownCountry(search.Country));
        return errors.OptionalText("q", search.Q, ContactDetails.MaxNameLength).ToProblem();
    }

    /// <summary>A segment must be one the models placed customers in; the answer names those there are.</summary>
    public static async Task<ProblemDetails> ValidateAsync([AsParameters] CustomerSearch search, ICustomerScores scores,
        CancellationToken cancellation)
    {
        if (string.IsNullOrWhiteSpace(search.Segment)) return Problems.None;
        var known = await scores.SegmentNames(cancellation);
        if (known.Contains(search.Segment.Trim())) return Problems.None;
        return new FieldErrors().Add("segment", known.Count == 0
            ? "No segments model has placed customers in segments yet: train the 'segments' model (POST /api/models/segments/train) first."
            : $"'segment' '{InputGuard.Printable(search.Segment.Trim())}' is not a segment; the segments are: {string.Join(", ", known)}.").ToProblem();
    }

    [WolverineGet("/api/customers", OperationId = "ListCustomers", Summary = "Find customers",
        Description = "Filters combine with AND; pages of up to 200, with the total count.")]
    [Authorize(Policy = Policies.CustomersRead)]
    [Tags("Customers")]
    public static async Task<Page<CustomerProfile>> List([AsParameters] CustomerSearch search, IQuerySession session,
        ICustomerScores scores, TimeProvider clock, CancellationToken cancellation)
    {
        IQueryable<CustomerProfile> query = session.Query<CustomerProfile>();

        if (!string.IsNullOrWhiteSpace(search.Q))
        {
            var text = search.Q.Trim().ToLowerInvariant();
            query = query.Where(p => p.Name!.ToLower().Contains(text) || p.Email!.StartsWith(text));
        }
        if (Demographic.NormaliseCountry(search.Country) is { } country) query = query.Where(p => p.Country == country);
        if (!string.IsNullOrWhiteSpace(search.Tag))
        {
            var tag = Tags.Normalise(search.Tag);
            query = query.Where(p => p.MatchesSql("d.tags @> array[?]::text[]", tag));
        }
        if (!string.IsNullOrWhiteSpace(search.Owner)) query = query.Where(p => p.Owner == search.Owner.Trim());
        if (search.Status is { } status) query = query.Where(p => p.Status == status);
        if (search.MinTotal is { } min) query = query.Where(p => p.TotalSpent >= min);
        if (search.MaxTotal is { } max) query = query.Where(p => p.TotalSpent <= max);
        if (search.MinChurnRisk is { } risk) query = scores.WithChurnRiskOf(query, risk);
        if (!string.IsNullOrWhiteSpace(search.Segment)) query = scores.InSegment(query, search.Segment.Trim());

        query = (search.Sort ?? "name") switch
        {
            "registeredAt" => query.OrderBy(p => p.RegisteredAt).ThenBy(p => p.Id),
            "-registeredAt" => query.OrderByDescending(p => p.RegisteredAt).ThenBy(p => p.Id),
            "totalSpent" => query.OrderBy(p => p.TotalSpent).ThenBy(p => p.Id),
            "-totalSpent" => query.OrderByDescending(p => p.TotalSpent).ThenBy(p => p.Id),
            "lastPurchaseAt" => query.OrderBy(p => p.LastPurchaseAt).ThenBy(p => p.Id),
            "-lastPurchaseAt" => query.OrderByDescending(p => p.LastPurchaseAt).ThenBy(p => p.Id),
            "-name" => query.OrderByDescending(p => p.Name).ThenBy(p => p.Id),
            _ => query.OrderBy(p => p.Name).ThenBy(p => p.Id),
        };

        // A separate count lets the page itself stop after its rows (index order + LIMIT), instead of a
        // window count that materialises every match.
        var page = await PagedList<CustomerProfile>.CreateAsync(query, search.Page ?? 1,
            search.PageSize ?? Paging.DefaultPageSize, useCountQuery: true, cancellation);
        var now = clock.GetUtcNow();
        return new Page<CustomerProfile>([.. page.Select(p => p.AsOf(now))], page.PageNumber, page.PageSize,
            page.TotalItemCount);
    }
}
