using EventCrm.Audit;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace EventCrm.Customers;

/// <summary>
/// A subject access export (GDPR art. 15): all a customer's data in one document, who read it (<c>reads</c>), and the
/// evidence that its history is the sealed one (a checkpoint, the keys, an inclusion proof per event), which
/// <c>docs/audit-proofs.py export</c> checks offline.
/// </summary>
public record CustomerExportDocument(
    DateTimeOffset ExportedAt,
    string ExportedBy,
    CustomerProfile Customer,
    IReadOnlyList<EventEntry> History,
    IReadOnlyList<MergedDuplicateExport> MergedDuplicates,
    IReadOnlyList<PersonalDataAccess> Reads,
    ExportEvidence Evidence);

public record MergedDuplicateExport(Guid Id, IReadOnlyList<EventEntry> History);

public static class CustomerExport
{
    [WolverineGet("/api/customers/{customerId}/export", OperationId = "ExportCustomer", Summary = "Everything stored about a customer",
        Description = "Current profile and complete history (also of merged duplicates) as one JSON document, for a subject access request: with who read the customer's data, and the proofs that the history is the sealed one.")]
    [Authorize(Policy = Policies.Audit)]
    [Tags("Customers", "Audit")]
    public static async Task<Results<Ok<CustomerExportDocument>, ProblemHttpResult>> Get(Guid customerId, HttpContext http,
        IQuerySession session, EventLog events, Proofs proofs, AccessRecords reads, AccessLog access, TimeProvider clock,
        CancellationToken cancellation)
    {
        var profile = await session.LoadAsync<CustomerProfile>(customerId, cancellation);
        if (profile is null) return CustomerHistory.Missing(customerId);

        var now = clock.GetUtcNow();
        var history = await AllEvents(events, customerId, cancellation);
        var duplicates = new List<MergedDuplicateExport>();
        foreach (var duplicate in profile.MergedDuplicates)
            duplicates.Add(new MergedDuplicateExport(duplicate, await AllEvents(events, duplicate, cancellation)));
        var sequences = history.Concat(duplicates.SelectMany(d => d.History)).Select(e => e.Sequence).ToList();
        var document = new CustomerExportDocument(now, http.User.Identity?.Name ?? "", profile.AsOf(now), history, duplicates,
            await reads.All([customerId, .. profile.MergedDuplicates], cancellation), await proofs.ForExport(sequences, cancellation));
        await access.Read(http, customerId, PersonalDataReads.Export);
        return TypedResults.Ok(document);
    }

    private static async Task<IReadOnlyList<EventEntry>> AllEvents(EventLog log, Guid stream,
        CancellationToken cancellation)
    {
        var events = new List<EventEntry>();
        for (var page = 1; ; page++)
        {
            var batch = await log.Read(new EventFilter(StreamIds: [stream]), EventOrder.Sequence, page,
                Paging.MaxPageSize, cancellation);
            events.AddRange(batch.Items);
            if (events.Count >= batch.Total || batch.Items.Count == 0) return events;
        }
    }
}
