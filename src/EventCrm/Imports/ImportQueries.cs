using System.Text.Json;
using System.Text.Json.Serialization;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Storage;
using EventCrm.Infrastructure.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;

namespace EventCrm.Imports;

/// <summary>An import as its report shows it: where it stands, what it did in total, and the rows it refused.</summary>
public record ImportReport(
    Guid Id,
    int Version,
    ImportKind Kind,
    ImportStatus Status,
    double Progress,
    string FileName,
    string Format,
    long Bytes,
    string Sha256,
    ImportOptions Options,
    string? StartedBy,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    IReadOnlyDictionary<string, string> Columns,
    IReadOnlyList<string> IgnoredColumns,
    ImportCounts Counts,
    string? Failure,
    int RevertedRows,
    int KeptRows,
    DateTimeOffset? RevertedAt,
    Page<RejectedRow> Rejected);

/// <summary>
/// Reads imports. Totals come from the batch's read model; the rows themselves are read from the batch's
/// events in PostgreSQL, one page at a time, so a report on a 100,000-row file stays small.
/// </summary>
public sealed class ImportQueries(IDocumentStore store, NpgsqlDataSource database, StoreNames names)
{
    /// <summary>The rows a slice did (<see cref="ImportRowsProcessed.Rows"/>) or refused (<see cref="ImportRowsProcessed.Rejected"/>).</summary>
    public static readonly string RowsDone = StoreNames.Json<ImportRowsProcessed>(x => x.Rows);
    public static readonly string RowsRejected = StoreNames.Json<ImportRowsProcessed>(x => x.Rejected);

    private static readonly string Outcome = StoreNames.Json<ImportedRow>(x => x.Outcome);
    private static readonly string Row = StoreNames.Json<ImportedRow>(x => x.Row);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public async Task<ImportBatch?> Batch(Guid id, CancellationToken cancellation)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<ImportBatch>(id, cancellation);
    }

    public async Task<ImportReport?> Report(Guid id, int page, int pageSize, CancellationToken cancellation)
    {
        if (await Batch(id, cancellation) is not { } batch) return null;
        var rejected = await Rows<RejectedRow>(id, RowsRejected, null, page, pageSize, cancellation);
        return new ImportReport(batch.Id, batch.Version, batch.Kind, batch.Status, Math.Round(batch.Progress, 4), batch.FileName, batch.Format,
            batch.Bytes, batch.Sha256, batch.Options, batch.StartedBy, batch.StartedAt, batch.FinishedAt, batch.Columns, batch.IgnoredColumns,
            batch.Counts, batch.Failure, batch.RevertedRows, batch.KeptRows, batch.RevertedAt,
            new Page<RejectedRow>(rejected, page, pageSize, batch.Counts.Rejected));
    }

    /// <summary>One page of the rows recorded in the batch's events under <paramref name="list"/>, in row order.</summary>
    public Task<List<T>> Rows<T>(Guid id, string list, string? outcome, int page, int pageSize,
        CancellationToken cancellation) =>
        Rows<T>(id, list, outcome is null ? null : [outcome], 0, pageSize, (page - 1) * pageSize, cancellation);

    /// <summary>Rows after <paramref name="afterRow"/> whose outcome is one of <paramref name="outcomes"/> (any when null).</summary>
    public async Task<List<T>> Rows<T>(Guid id, string list, string[]? outcomes, int afterRow,
        int limit, int offset, CancellationToken cancellation)
    {
        await using var command = database.CreateCommand($"""
            select r.value::text
            from {names.Events} e cross join lateral jsonb_array_elements(e.data -> '{list}') r(value)
            where e.stream_id = $1 and e.type = '{names.EventType<ImportRowsProcessed>()}'
              and ($2::text[] is null or r.value ->> '{Outcome}' = any($2))
              and (r.value ->> '{Row}')::int > $3
            order by (r.value ->> '{Row}')::int
            limit $4 offset $5
            """);
        command.Parameters.AddWithValue(id);
        command.Parameters.Add(new NpgsqlParameter<string[]?> { TypedValue = outcomes });
        command.Parameters.AddWithValue(afterRow);
        command.Parameters.AddWithValue(limit);
        command.Parameters.AddWithValue(offset);
        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation)) rows.Add(JsonSerializer.Deserialize<T>(reader.GetString(0), Json)!);
        return rows;
    }
}

public static class GetImportEndpoint
{
    public static ProblemDetails Validate(int? page, int? pageSize) => new FieldErrors().CheckPaging(page, pageSize).ToProblem();

    [WolverineGet("/api/imports/{batchId}", OperationId = "GetImport", Summary = "An import's status, counts and refused rows",
        Description = "Progress (0-1) while it runs; counts of created, updated, skipped, flagged, duplicate and rejected rows; the rejected rows with row number, field and reason, a page at a time (page, pageSize).")]
    [Authorize(Policy = Policies.CustomersRead)]
    [Tags("Imports")]
    [ProducesResponseType(typeof(ImportReport), 200)]
    public static async Task<IResult> Get(Guid batchId, int? page, int? pageSize, ImportQueries imports,
        CancellationToken cancellation) =>
        await imports.Report(batchId, page ?? 1, pageSize ?? Paging.DefaultPageSize, cancellation) is { } report
            ? Results.Ok(report)
            : Results.Problem(Problems.NotFound($"No import {batchId}."));
}

public static class ListImportRowsEndpoint
{
    public static ProblemDetails Validate(string? outcome, int? page, int? pageSize)
    {
        var errors = new FieldErrors().CheckPaging(page, pageSize);
        if (outcome is not null && !Enum.TryParse<RowOutcome>(outcome, ignoreCase: true, out _))
            errors.Add("outcome", $"'outcome' is one of {string.Join(", ", Enum.GetNames<RowOutcome>().Select(n => n.ToLowerInvariant()))}.");
        return errors.ToProblem();
    }

    [WolverineGet("/api/imports/{batchId}/rows", OperationId = "ListImportRows", Summary = "What each row of an import did",
        Description = "outcome=created|updated|skipped|flagged|duplicate to filter; for updates, the fields changed and their values before and after.")]
    [Authorize(Policy = Policies.CustomersRead)]
    [Tags("Imports")]
    [ProducesResponseType(typeof(Page<ImportedRow>), 200)]
    public static async Task<IResult> Get(Guid batchId, string? outcome, int? page, int? pageSize, ImportQueries imports,
        CancellationToken cancellation)
    {
        if (await imports.Batch(batchId, cancellation) is not { } batch)
            return Results.Problem(Problems.NotFound($"No import {batchId}."));
        var filter = outcome is null ? (RowOutcome?)null : Enum.Parse<RowOutcome>(outcome, ignoreCase: true);
        var (number, size) = (page ?? 1, pageSize ?? Paging.DefaultPageSize);
        var rows = await imports.Rows<ImportedRow>(batchId, ImportQueries.RowsDone, filter?.ToString(), number, size, cancellation);
        var c = batch.Counts;
        long total = filter switch
        {
            RowOutcome.Created => c.Created,
            RowOutcome.Updated => c.Updated,
            RowOutcome.Skipped => c.Skipped,
            RowOutcome.Flagged => c.Flagged,
            RowOutcome.Duplicate => c.Duplicates,
            _ => c.Rows - c.Rejected,
        };
        return Results.Ok(new Page<ImportedRow>(rows, number, size, total));
    }
}

public static class ListImportsEndpoint
{
    public static ProblemDetails Validate(int? page, int? pageSize) => new FieldErrors().CheckPaging(page, pageSize).ToProblem();

    [WolverineGet("/api/imports", OperationId = "ListImports", Summary = "Imports, newest first")]
    [Authorize(Policy = Policies.CustomersRead)]
    [Tags("Imports")]
    public static async Task<Page<ImportBatch>> Get(int? page, int? pageSize, IQuerySession session, CancellationToken cancellation)
    {
        var (number, size) = (page ?? 1, pageSize ?? Paging.DefaultPageSize);
        var total = await session.Query<ImportBatch>().CountAsync(cancellation);
        var items = await session.Query<ImportBatch>().OrderByDescending(b => b.StartedAt).Skip((number - 1) * size).Take(size).ToListAsync(cancellation);
        return new Page<ImportBatch>(items, number, size, total);
    }
}
