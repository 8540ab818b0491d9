using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace EventCrm.Integrations;

/// <summary>Where to read the feed from, what to read and how long to wait for it.</summary>
public class FeedQuery
{
    /// <summary>The cursor of the last event read (a page's <c>next</c>, or an event's <c>cursor</c>); 0 or none for the beginning.</summary>
    [FromQuery(Name = "after")] public string? After { get; set; }
    /// <summary>Event types to read, comma-separated (as listed by /api/events/types); none for every type.</summary>
    [FromQuery(Name = "types")] public string? Types { get; set; }
    /// <summary>Stream types to read, comma-separated (customer, lead, opportunity, ticket, ...); none for every one.</summary>
    [FromQuery(Name = "streamTypes")] public string? StreamTypes { get; set; }
    /// <summary>At most this many events (1-500, default 100).</summary>
    [FromQuery(Name = "limit")] public int? Limit { get; set; }
    /// <summary>When nothing is new, wait up to this many seconds (0-30) for something to be, then answer.</summary>
    [FromQuery(Name = "waitSeconds")] public int? WaitSeconds { get; set; }
}

/// <summary>The events after a cursor, in the order they were committed: what an integration missed while it was away.</summary>
public static class FeedEndpoint
{
    public const int DefaultLimit = 100;
    public const int MaxWaitSeconds = 30;
    private const int MaxNames = 50;

    /// <summary>How often a long poll looks at the high-water mark again.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    public static ProblemDetails Validate([AsParameters] FeedQuery query)
    {
        var errors = new FieldErrors();
        if (query.After is { Length: > 0 } after && !FeedCursor.TryParse(after, out _))
            errors.Add("after", "'after' is not a cursor of this feed: send back a page's 'next' or an event's 'cursor' as it was.");
        if (query.Limit is < 1 or > FeedReader.MaxLimit) errors.Add("limit", $"'limit' must be between 1 and {FeedReader.MaxLimit}.");
        if (query.WaitSeconds is < 0 or > MaxWaitSeconds) errors.Add("waitSeconds", $"'waitSeconds' must be between 0 and {MaxWaitSeconds}.");
        CheckNames(errors, "types", query.Types);
        CheckNames(errors, "streamTypes", query.StreamTypes);
        return errors.ToProblem();
    }

    private static void CheckNames(FieldErrors errors, string field, string? names)
    {
        if (names is null) return;
        errors.OptionalText(field, names, 4000);
        if (Names(names)?.Count > MaxNames) errors.Add(field, $"'{field}' names at most {MaxNames} types.");
    }

    [WolverineGet("/api/feed", OperationId = "ReadFeed", Summary = "The event feed: every event after a cursor, in commit order",
        Description = "Events in global order, each with its metadata and its own cursor; 'next' is the cursor to send as 'after' for the following page (it moves on even when no event matched the filters). Only committed events below the store's high-water mark are served, so a page never has a gap that fills in later. With waitSeconds, an empty answer waits until something new is committed (a long poll). Personal data that an erasure masked stays masked; an event of an erased stream whose masking is still running is served with data null and withheld true.")]
    [Authorize(Policy = Policies.Integrations)]
    [Tags("Integrations")]
    public static async Task<FeedPage> Get([AsParameters] FeedQuery query, FeedReader feed, TimeProvider clock,
        CancellationToken cancellation)
    {
        var after = query.After is { Length: > 0 } cursor ? FeedCursor.Parse(cursor) : 0;
        var filter = new FeedFilter(Names(query.Types), Names(query.StreamTypes));
        var limit = query.Limit ?? DefaultLimit;
        var until = clock.GetUtcNow() + TimeSpan.FromSeconds(query.WaitSeconds ?? 0);
        while (true)
        {
            var page = await feed.Read(after, filter, limit, cancellation);
            if (page.Events.Count > 0 || clock.GetUtcNow() >= until) return page;
            // Nothing matched up to the mark: look again from where this read ended.
            after = FeedCursor.Parse(page.Next);
            await Task.Delay(PollInterval, cancellation);
        }
    }

    internal static IReadOnlyCollection<string>? Names(string? names) =>
        string.IsNullOrWhiteSpace(names) ? null
            : names.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct().ToList();
}
