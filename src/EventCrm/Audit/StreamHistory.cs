using System.Text.Json.Serialization;
using EventCrm.Infrastructure.Http;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EventCrm.Audit;

/// <summary>
/// A page of a stream's events, as stored; with <c>proofs=true</c> also the evidence that they are the events that
/// were sealed: a checkpoint, the keys, and an inclusion proof per event (<c>docs/audit-proofs.py</c> checks them).
/// </summary>
public sealed record HistoryPage(IReadOnlyList<EventEntry> Items, long PageNumber, long PageSize, long Total, long PageCount,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ExportEvidence? Evidence);

/// <summary>History and as-of reads that every kind of stream offers auditors.</summary>
public static class StreamHistory
{
    /// <summary>Every event of one stream of aggregate type <typeparamref name="TAggregate"/>, paged, as stored.</summary>
    public static async Task<Results<Ok<HistoryPage>, ProblemHttpResult>> History<TAggregate>(Guid id, string what,
        int? page, int? pageSize, bool? proofs, IQuerySession session, EventLog events, Proofs provenance,
        CancellationToken cancellation)
    {
        if (new FieldErrors().CheckPaging(page, pageSize) is { Any: true } errors)
            return TypedResults.Problem(errors.ToProblem());
        if (!await Exists<TAggregate>(session, id, cancellation)) return Missing(what, id);

        var found = await events.Read(new EventFilter(StreamIds: [id]), EventOrder.Sequence,
            page ?? 1, pageSize ?? Paging.MaxPageSize, cancellation);
        var evidence = proofs == true
            ? await provenance.ForExport([.. found.Items.Select(e => e.Sequence)], cancellation)
            : null;
        return TypedResults.Ok(new HistoryPage(found.Items, found.PageNumber, found.PageSize, found.Total, found.PageCount, evidence));
    }

    /// <summary>The view <typeparamref name="TView"/> rebuilt from the events up to a version or an instant.</summary>
    public static async Task<Results<Ok<TView>, ProblemHttpResult>> AsOf<TAggregate, TView>(Guid id, string what,
        int? version, DateTimeOffset? at, IQuerySession session, TimeProvider clock, CancellationToken cancellation) where TView : class
    {
        if (version is null == at is null)
            return TypedResults.Problem(Problems.Validation(new Dictionary<string, string[]>
            {
                ["version"] = ["Give exactly one of 'version' (1 or more) or 'at' (an ISO 8601 time)."],
            }));
        // A little ahead is a client's clock running fast; further is a question about the future.
        if (at > clock.GetUtcNow() + Paging.ClockSkew)
            return TypedResults.Problem(Problems.Validation(new Dictionary<string, string[]>
            {
                ["at"] = [$"'at' {at:O} is in the future; a record is known as it was up to now."],
            }));
        if (version < 1)
            return TypedResults.Problem(Problems.Validation(new Dictionary<string, string[]>
            {
                ["version"] = ["'version' must be 1 or more."],
            }));

        var state = await session.Events.FetchStreamStateAsync(id, cancellation);
        if (state is null || state.AggregateType != typeof(TAggregate)) return Missing(what, id);
        if (version > state.Version)
            return TypedResults.Problem(Problems.NotFound($"The {what} {id} has no version {version}; its latest is {state.Version}."));

        var view = version is { } v
            ? await session.Events.AggregateStreamAsync<TView>(id, version: v, token: cancellation)
            : await session.Events.AggregateStreamAsync<TView>(id, timestamp: at!.Value, token: cancellation);

        return view is null
            ? TypedResults.Problem(Problems.NotFound($"The {what} {id} did not exist at {at:O}."))
            : TypedResults.Ok(view);
    }

    public static async Task<bool> Exists<TAggregate>(IQuerySession session, Guid id, CancellationToken cancellation) =>
        await session.Events.FetchStreamStateAsync(id, cancellation) is { } state && state.AggregateType == typeof(TAggregate);

    public static ProblemHttpResult Missing(string what, Guid id) =>
        TypedResults.Problem(Problems.NotFound($"No {what} has id {id}."));
}
