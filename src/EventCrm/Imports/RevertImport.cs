using EventCrm.Infrastructure;
using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Hangfire;
using JasperFx;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;

namespace EventCrm.Imports;

public record RevertImport(int Version);

/// <summary>
/// Undoes a completed import with compensating events, never by deleting any: customers it created are
/// deactivated (reason "Import … reverted") and tagged <c>import-reverted</c>; fields it updated go back to
/// what they were, unless someone has changed them since (then they are kept, and the report says so);
/// tags it added are removed; purchases it recorded are voided. The events carry the source
/// <c>import:&lt;batchId&gt;:revert</c>. Resumable like the import itself.
/// </summary>
public sealed class ImportReverter(IDocumentStore store, ImportQueries imports, CustomerRules rules, TimeProvider clock,
    ILogger<ImportReverter> logger)
{
    public const string RevertedTag = "import-reverted";
    private const int RowsPerCommit = 200;

    [JobDisplayName("Revert import {0}")]
    [AutomaticRetry(Attempts = 3)]
    public Task Run(Guid batchId, CancellationToken cancellation) => Run(batchId, null, cancellation);

    public async Task<ImportBatch?> Run(Guid batchId, IProgress<ImportBatch>? progress, CancellationToken cancellation)
    {
        var batch = await imports.Batch(batchId, cancellation);
        if (batch is null || batch.Status != ImportStatus.Reverting) return batch;

        while (true)
        {
            var rows = await imports.Rows<ImportedRow>(batchId, ImportQueries.RowsDone,
                [nameof(RowOutcome.Created), nameof(RowOutcome.Updated)], batch.LastRevertedRow, RowsPerCommit, 0, cancellation);
            if (rows.Count == 0) break;

            await using var session = Session(batch, "revert");
            var streams = new Dictionary<Guid, WorkingStream<Customer>>();
            var reverted = new List<int>();
            var kept = new List<RevertKept>();
            foreach (var row in rows)
            {
                var id = row.CustomerId!.Value;
                if (!streams.TryGetValue(id, out var stream))
                    streams[id] = stream = new WorkingStream<Customer>(await session.Events.FetchForWriting<Customer>(id, cancellation));
                var (undone, left) = Undo(batch, row, stream);
                if (undone) reverted.Add(row.Row);
                if (left is not null) kept.Add(new RevertKept(row.Row, id, left));
            }
            var batchStream = await session.Events.FetchForWriting<ImportBatch>(batchId, batch.Version, cancellation);
            batchStream.AppendOne(new ImportRowsReverted(rows.Max(r => r.Row), reverted, kept));
            try
            {
                await session.SaveChangesAsync(cancellation);
            }
            catch (ConcurrencyException)
            {
                logger.LogInformation("Revert of import {BatchId} raced with another change; trying the rows again", batchId);
            }
            batch = (await imports.Batch(batchId, cancellation))!;
            if (batch.Status != ImportStatus.Reverting) return batch;
            progress?.Report(batch);
        }

        await using (var session = Session(batch, "revert"))
        {
            var stream = await session.Events.FetchForWriting<ImportBatch>(batchId, batch.Version, cancellation);
            stream.AppendOne(new ImportReverted(batch.RevertedRows, batch.KeptRows, clock.GetUtcNow()));
            await session.SaveChangesAsync(cancellation);
        }
        return await imports.Batch(batchId, cancellation);
    }

    /// <summary>Appends what undoes one row; answers whether anything was undone and what was left in place, and why.</summary>
    private (bool Undone, string? Kept) Undo(ImportBatch batch, ImportedRow row, WorkingStream<Customer> stream)
    {
        var customer = stream.Aggregate;
        if (customer is null) return (false, "The customer no longer exists.");
        if (customer.Status is CustomerStatus.Merged or CustomerStatus.Erased)
            return (false, $"The customer was {customer.Status.ToString().ToLowerInvariant()} since the import.");
        var why = $"Import {batch.Id} reverted";
        var events = new List<object>();
        void Take(IEnumerable<object> produced)
        {
            var list = produced.ToList();
            stream.Append(list);
            events.AddRange(list);
            customer = stream.Aggregate!;
        }

        string? keptReason = null;
        if (batch.Kind == ImportKind.Purchases)
        {
            if (!customer.Purchases.Any(p => p.PurchaseId == row.PurchaseId)) return (false, "The purchase was voided already.");
            Take([VoidPurchaseEndpoint.Decide(customer, row.PurchaseId!.Value, why, clock.GetUtcNow())]);
        }
        else if (row.Outcome == RowOutcome.Created)
        {
            if (customer.Status == CustomerStatus.Active)
                Take(DeactivateCustomerEndpoint.Post(new DeactivateCustomer(customer.Version, why), customer, clock).Item2);
            Take(ChangeTagsEndpoint.Post(new ChangeTags(customer.Version, [RevertedTag]), customer, clock).Item2);
        }
        else
        {
            var changedSince = new List<string>();
            if (row.PhoneBefore != row.PhoneAfter)
            {
                if (customer.Phone == row.PhoneAfter)
                    Take(ChangeContactDetailsEndpoint.Decide(
                        ContactChange.Of(new ChangeContactDetails(customer.Version, customer.Email!, row.PhoneBefore), BodyFields.Everything, rules), customer,
                        clock.GetUtcNow()).Item2);
                else changedSince.Add("phone");
            }
            if (row.DemographicsBefore != row.DemographicsAfter)
            {
                if (customer.Demographics == row.DemographicsAfter)
                {
                    var before = row.DemographicsBefore ?? new Demographics(null, null, null, null, null, null);
                    Take(ChangeDemographicsEndpoint.Decide(DemographicsChange.Of(new ChangeDemographics(customer.Version, before.BirthDate, before.Age,
                        before.AnnualIncome, before.Country, before.Region, before.Industry, before.TimeZone), BodyFields.Everything, clock.GetUtcNow()), customer,
                        clock.GetUtcNow()).Item2);
                }
                else changedSince.Add("demographics");
            }
            if (row.TagsAdded is { Count: > 0 } added)
                Take(ChangeTagsEndpoint.Post(new ChangeTags(customer.Version, Remove: added), customer, clock).Item2);
            if (changedSince.Count > 0) keptReason = $"Changed since the import, so kept: {string.Join(", ", changedSince)}.";
        }
        return (events.Count > 0, events.Count == 0 ? keptReason ?? "Nothing left to undo." : keptReason);
    }

    private IDocumentSession Session(ImportBatch batch, string step) => ImportRunner.Session(store, batch, $"import:{batch.Id}:{step}");
}

public static class RevertImportEndpoint
{
    public static async Task<ProblemDetails> ValidateAsync(RevertImport command, Guid batchId, IQuerySession session,
        CancellationToken cancellation)
    {
        var errors = new FieldErrors().RequireExpectedVersion(command.Version);
        if (errors.Any) return errors.ToProblem();
        var batch = await session.LoadAsync<ImportBatch>(batchId, cancellation);
        if (batch is null) return Problems.NotFound($"No import {batchId}.");
        var stale = ExpectedVersion.Check(command.Version, batch.Version);
        if (stale != Problems.None) return stale;
        return batch.Status == ImportStatus.Completed
            ? Problems.None
            : Problems.RuleViolation("Only a completed import can be reverted.", $"Import {batchId} is {batch.Status.ToString().ToLowerInvariant()}.");
    }

    [WolverinePost("/api/imports/{batchId}/revert", OperationId = "RevertImport", Summary = "Undo what an import did",
        Description = "Send the import's version. Compensating events undo each created or updated row (history is never deleted); a change made since the import is kept and reported. Answers 200 with the report, or 202 when a large revert runs as a background job.")]
    [Authorize(Policy = Policies.CustomersWrite)]
    [Tags("Imports")]
    [ProducesResponseType(typeof(ImportReport), 200)]
    [ProducesResponseType(typeof(ImportAccepted), 202)]
    public static async Task<IResult> Post(RevertImport command, Guid batchId, HttpContext http, IDocumentStore store, ImportQueries imports,
        ImportReverter reverter, ImportRules rules, IBackgroundJobClient jobs, TimeProvider clock)
    {
        await using (var session = store.LightweightSession())
        {
            CommandMetadata.Apply(session, http);
            var stream = await session.Events.FetchForWriting<ImportBatch>(batchId, command.Version, CancellationToken.None);
            stream.AppendOne(new ImportRevertStarted(clock.GetUtcNow()));
            await session.SaveChangesAsync();
        }
        var batch = (await imports.Batch(batchId, CancellationToken.None))!;
        var url = $"/api/imports/{batchId}";
        if (batch.Counts.Created + batch.Counts.Updated > rules.InlineRevertRows)
        {
            jobs.Enqueue<ImportReverter>(job => job.Run(batchId, CancellationToken.None));
            return Results.Accepted(url, new ImportAccepted(batchId, "reverting", url));
        }
        await reverter.Run(batchId, null, CancellationToken.None);
        return Results.Ok(await imports.Report(batchId, 1, Paging.DefaultPageSize, CancellationToken.None));
    }
}
