using System.Globalization;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Storage;
using EventCrm.Infrastructure.Security;
using Marten;
using Marten.Linq.MatchesSql;
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
    /// <summary>Page number, from 1 (the default). Not with 'after'.</summary>
    [FromQuery(Name = "page")] public int? Page { get; set; }
    [FromQuery(Name = "pageSize")] public int? PageSize { get; set; }
    /// <summary>The 'next' of the previous page: the page after it, in the same sort and filters. Not with 'page'.</summary>
    [FromQuery(Name = "after")] public string? After { get; set; }
    /// <summary>Whether to count every match into 'total': by default with page numbers, not with 'after'.</summary>
    [FromQuery(Name = "count")] public bool? Count { get; set; }
}

/// <summary>
/// A page of the customer list. With page numbers, <see cref="PageNumber"/> and (unless <c>count=false</c>) the
/// <see cref="Total"/> of every match; with a cursor, no page number, and a total only when asked for. Either way
/// <see cref="Next"/> is the cursor of the page after this one, null on the last page.
/// </summary>
public sealed record CustomerPage(IReadOnlyList<CustomerProfile> Items, long? PageNumber, long PageSize, long? Total, string? Next)
{
    public long? PageCount => Total is { } total && PageSize > 0 ? (total + PageSize - 1) / PageSize : null;
}

public static class ListCustomersEndpoint
{
    public static ProblemDetails Validate([AsParameters] CustomerSearch search)
    {
        var errors = new FieldErrors().CheckPaging(search.Page, search.PageSize);
        if (!CustomerListSort.IsKnown(search.Sort))
            errors.Add("sort", $"'sort' must be one of {string.Join(", ", CustomerListSort.Keys)}, optionally with a leading '-'.");
        if (search.MinTotal > search.MaxTotal) errors.Add("minTotal", "'minTotal' cannot be more than 'maxTotal'.");
        if (search.MinChurnRisk is < 0 or > 1) errors.Add("minChurnRisk", "'minChurnRisk' is a probability between 0 and 1.");
        errors.OptionalText("segment", search.Segment, 100);
        if (!string.IsNullOrWhiteSpace(search.Country) && Demographic.NormaliseCountry(search.Country) is null)
            errors.Add("country", Demographic.UnknownCountry(search.Country));
        errors.OptionalText("q", search.Q, ContactDetails.MaxNameLength);
        if (search.After is { } after)
        {
            if (search.Page is not null)
                errors.Add("after", "'after' and 'page' cannot be combined: follow 'next' from page to page, or use page numbers.");
            else if (CustomerListSort.IsKnown(search.Sort)
                     && CustomerListCursor.Read(after, CustomerListSort.Of(search.Sort), FiltersOf(search)).Error is { } error)
                errors.Add("after", error);
        }
        return errors.ToProblem();
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
        Description = "Filters combine with AND; pages of up to 200 (default 50). Two ways to page, the same order either way: " +
                      "page numbers ('page', from 1), which count every match into 'total' (one count query over all matches, " +
                      "and a page far in reads and skips every row before it; 'count=false' leaves the count out), or a cursor: " +
                      "send the 'next' of a page as 'after' to get the page after it, which reads only that page's rows from " +
                      "the sort's index however far in it is, and counts nothing unless 'count=true' (the same full count). " +
                      "'next' is null on the last page. A cursor keeps its sort and filters: used with others it is a 400.")]
    [Authorize(Policy = Policies.CustomersRead)]
    [Tags("Customers")]
    public static async Task<CustomerPage> List([AsParameters] CustomerSearch search, IQuerySession session,
        ICustomerScores scores, TimeProvider clock, CancellationToken cancellation)
    {
        var matches = Filtered(search, session, scores);
        var size = search.PageSize ?? Paging.DefaultPageSize;

        // One row more than the page: whether it comes tells whether there is a next page, without a count.
        var rows = new List<CustomerProfile>(size + 1);
        foreach (var read in Reads(search, matches, session.DocumentStore.Options))
        {
            rows.AddRange(await read.Take(size + 1 - rows.Count).ToListAsync(cancellation));
            if (rows.Count > size) break;
        }

        // A separate count (not a window count over every match) lets the page itself stop after its rows.
        var counted = search.Count ?? search.After is null;
        long? total = counted ? await matches.LongCountAsync(cancellation) : null;
        string? next = null;
        if (rows.Count > size)
        {
            rows.RemoveAt(size);
            var sort = CustomerListSort.Of(search.Sort);
            next = new CustomerListCursor(sort.Name, sort.KeyOf(rows[^1]), rows[^1].Id, FiltersOf(search)).Write();
        }
        var now = clock.GetUtcNow();
        return new CustomerPage([.. rows.Select(p => p.AsOf(now))], search.After is null ? search.Page ?? 1 : null, size, total, next);
    }

    /// <summary>
    /// The reads of a page, in order, each to be stopped after the rows still wanted. With page numbers, one: the
    /// sorted matches from the page's offset. With a cursor, the part of the order after it, as index ranges (below).
    /// </summary>
    public static IEnumerable<IQueryable<CustomerProfile>> Reads(CustomerSearch search, IQueryable<CustomerProfile> matches,
        IReadOnlyStoreOptions options)
    {
        var sort = CustomerListSort.Of(search.Sort);
        if (search.After is not { } after)
            return [sort.Apply(matches).Skip(((search.Page ?? 1) - 1) * (search.PageSize ?? Paging.DefaultPageSize))];
        var cursor = CustomerListCursor.Read(after, sort, FiltersOf(search)).Cursor
                     ?? throw new InvalidOperationException("A cursor that Validate refused reached the list.");
        return PartsAfter(cursor, sort, options).Select(part => sort.Apply(part(matches)));
    }

    /// <summary>The customers the filters match, in no order.</summary>
    public static IQueryable<CustomerProfile> Filtered(CustomerSearch search, IQuerySession session, ICustomerScores scores)
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
        return query;
    }

    /// <summary>The filters as they are applied, so that a cursor continues only the search it was made for.</summary>
    private static string FiltersOf(CustomerSearch search) => CustomerListCursor.DigestOf(string.Join('\u001f',
        search.Q?.Trim().ToLowerInvariant(), Demographic.NormaliseCountry(search.Country),
        string.IsNullOrWhiteSpace(search.Tag) ? null : Tags.Normalise(search.Tag), search.Owner?.Trim(), search.Status,
        search.MinTotal?.ToString(CultureInfo.InvariantCulture), search.MaxTotal?.ToString(CultureInfo.InvariantCulture),
        search.MinChurnRisk?.ToString("R", CultureInfo.InvariantCulture), search.Segment?.Trim()));

    /// <summary>
    /// The rows after the cursor, as the ranges of the (key, id) index that hold them, in the order of the sort. A row
    /// comparison leaves out the rows without a value (NULL compares as unknown), so where those come after the
    /// cursor (ascending; or descending from within them) they are a range of their own.
    /// </summary>
    private static IEnumerable<Func<IQueryable<CustomerProfile>, IQueryable<CustomerProfile>>> PartsAfter(
        CustomerListCursor cursor, CustomerListSort sort, IReadOnlyStoreOptions options)
    {
        var column = "d." + ColumnOf(sort, options);
        var (key, id) = (cursor.Key, cursor.Id);
        var after = sort.Descending ? "<" : ">";
        if (key is not null)
        {
            yield return q => q.Where(p => p.MatchesSql($"({column}, d.id) {after} (?, ?)", key, id));
            if (sort.Nullable && !sort.Descending) yield return q => q.Where(p => p.MatchesSql($"{column} is null"));
        }
        else
        {
            yield return q => q.Where(p => p.MatchesSql($"{column} is null and d.id {after} ?", id));
            if (sort.Descending) yield return q => q.Where(p => p.MatchesSql($"{column} is not null"));
        }
    }

    private static string ColumnOf(CustomerListSort sort, IReadOnlyStoreOptions options) => sort.KeyName switch
    {
        "registeredAt" => StoreNames.ColumnOf<CustomerProfile>(options, p => p.RegisteredAt),
        "totalSpent" => StoreNames.ColumnOf<CustomerProfile>(options, p => p.TotalSpent),
        "lastPurchaseAt" => StoreNames.ColumnOf<CustomerProfile>(options, p => p.LastPurchaseAt),
        _ => StoreNames.ColumnOf<CustomerProfile>(options, p => p.Name),
    };
}
