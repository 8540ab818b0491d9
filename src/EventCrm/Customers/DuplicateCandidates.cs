using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Storage;
using EventCrm.Infrastructure.Security;
using Hangfire;
using Marten;
using Wolverine.Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Weasel.Postgresql.Tables;
using Wolverine.Http;

namespace EventCrm.Customers;

public record DuplicateSide(Guid Id, string? Name, string? Email, string? Phone, string? Country, int Version);

/// <summary>Two customers that may be one person, and why: the same phone, or very similar names in one country.</summary>
public record DuplicateCandidate(DuplicateSide First, DuplicateSide Second, string Reason, double Similarity, DateTimeOffset FoundAt);

public record DuplicateScanQueued(string JobId);

/// <summary>
/// A page of pairs, and when the scan that found them ran: an empty list before the first scan says so, rather
/// than reading as "no duplicates".
/// </summary>
public record DuplicatePairs(IReadOnlyList<DuplicateCandidate> Items, long PageNumber, long PageSize, long Total,
    DateTimeOffset? LastScanAt, string? Note)
{
    public long PageCount => PageSize == 0 ? 0 : (Total + PageSize - 1) / PageSize;
}

/// <summary>
/// Finds customers that look like the same person. E-mail addresses are unique, so the signals are a shared
/// phone number and names whose trigram similarity (pg_trgm) is at least <see cref="NameSimilarity"/> within
/// one country. Comparing every pair takes seconds on a large base, so a scan (a recurring job, or on demand)
/// writes the pairs to a table and the endpoint pages through them; merging or erasing a customer removes its
/// pairs in the same transaction. Review a pair, then merge with <c>POST /api/customers/{customerId}/merge</c>.
/// </summary>
public sealed class DuplicateScan(NpgsqlDataSource database, StoreNames names, TimeProvider clock)
{
    public const string JobId = "scan-duplicate-customers";
    public const double NameSimilarity = 0.8;
    public const string TableName = "customer_duplicate_candidates";
    public const string Candidates = $"{Schemas.Crm}.{TableName}";
    public const string ScansTableName = "customer_duplicate_scans";
    public const string Scans = $"{Schemas.Crm}.{ScansTableName}";
    public const string NotScannedYet =
        "No scan for duplicates has run yet: pairs appear after the first one (POST /api/customers/duplicates/scan, or on its schedule, Jobs:ScanDuplicatesCron).";
    private const string Open = "status not in ('Merged', 'Erased')";

    public static Table Table()
    {
        var table = new Table(Candidates);
        table.AddColumn<Guid>("first").AsPrimaryKey();
        table.AddColumn<Guid>("second").AsPrimaryKey();
        table.AddColumn<string>("reason").AsPrimaryKey();
        table.AddColumn<double>("similarity").NotNull();
        table.AddColumn<DateTimeOffset>("found_at").NotNull();
        return table;
    }

    /// <summary>One row: when the last scan committed.</summary>
    public static Table ScansTable()
    {
        var table = new Table(Scans);
        table.AddColumn<int>("id").AsPrimaryKey();
        table.AddColumn<DateTimeOffset>("last_run_at").NotNull();
        return table;
    }

    [JobDisplayName("Scan customers for duplicates")]
    public async Task Run(CancellationToken cancellation)
    {
        await using var connection = await database.OpenConnectionAsync(cancellation);
        await using var transaction = await connection.BeginTransactionAsync(cancellation);
        // Names are compared only within blocks that could hold the same person: same country and either the
        // same last word and first initial, or the same first word and last initial, so that a typo in one
        // of the two names is still caught.
        await using var command = new NpgsqlCommand($"""
            delete from {Candidates};
            with a as materialized (
                select id, phone, country, lower(name) as n,
                       split_part(lower(name), ' ', 1) as first_word,
                       regexp_replace(lower(name), '^.* ', '') as last_word
                from {names.Table<CustomerProfile>()} where {Open} and name is not null
            ),
            pairs as (
                select x.id as first, y.id as second, 'same phone' as reason, 1.0::float8 as similarity
                from a x join a y on x.phone = y.phone and x.id < y.id
                union
                select x.id, y.id, 'similar name', similarity(x.n, y.n)::float8
                from a x join a y on x.country = y.country and x.last_word = y.last_word
                    and left(x.first_word, 1) = left(y.first_word, 1) and x.id < y.id
                where similarity(x.n, y.n) >= @threshold
                union
                select x.id, y.id, 'similar name', similarity(x.n, y.n)::float8
                from a x join a y on x.country = y.country and x.first_word = y.first_word
                    and left(x.last_word, 1) = left(y.last_word, 1) and x.id < y.id
                where similarity(x.n, y.n) >= @threshold
            )
            insert into {Candidates} (first, second, reason, similarity, found_at)
            select first, second, reason, max(similarity), @now from pairs group by first, second, reason;
            """, connection, transaction) { CommandTimeout = 600 };
        command.Parameters.AddWithValue("threshold", NameSimilarity);
        command.Parameters.AddWithValue("now", clock.GetUtcNow());
        await command.ExecuteNonQueryAsync(cancellation);
        await using (var analyze = new NpgsqlCommand($"analyze {Candidates}", connection, transaction))
            await analyze.ExecuteNonQueryAsync(cancellation);
        await using (var ran = new NpgsqlCommand(
            $"insert into {Scans} (id, last_run_at) values (1, @now) on conflict (id) do update set last_run_at = excluded.last_run_at",
            connection, transaction))
        {
            ran.Parameters.AddWithValue("now", clock.GetUtcNow());
            await ran.ExecuteNonQueryAsync(cancellation);
        }
        await transaction.CommitAsync(cancellation);
    }

    /// <summary>A merged or erased customer is no longer anybody's duplicate: drop its pairs with the change.</summary>
    public sealed record Forget(Guid CustomerId) : IMartenOp
    {
        public void Execute(IDocumentSession session) =>
            session.QueueSqlCommand($"delete from {Candidates} where first = ? or second = ?", CustomerId, CustomerId);
    }

    public async Task<DuplicatePairs> Read(int page, int pageSize, CancellationToken cancellation)
    {
        DateTimeOffset? lastScanAt;
        await using (var last = database.CreateCommand($"select last_run_at from {Scans} where id = 1"))
            lastScanAt = await last.ExecuteScalarAsync(cancellation) is DateTime at ? new DateTimeOffset(at, TimeSpan.Zero) : null;
        await using var command = database.CreateCommand($"""
            with page as (
                select * from {Candidates}
                order by similarity desc, first, second, reason
                limit {pageSize} offset {(long)(page - 1) * pageSize}
            )
            select f.id, f.name, f.email, f.phone, f.country, f.mt_version,
                   s.id, s.name, s.email, s.phone, s.country, s.mt_version,
                   c.reason, c.similarity, c.found_at, (select count(*) from {Candidates}) as total
            from page c join {names.Table<CustomerProfile>()} f on f.id = c.first join {names.Table<CustomerProfile>()} s on s.id = c.second
            order by c.similarity desc, c.first, c.second, c.reason
            """);
        var candidates = new List<DuplicateCandidate>();
        long total = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation))
        {
            candidates.Add(new DuplicateCandidate(Side(reader, 0), Side(reader, 6), reader.GetString(12),
                Math.Round(reader.GetDouble(13), 3), reader.GetFieldValue<DateTimeOffset>(14)));
            total = reader.GetInt64(15);
        }
        return new DuplicatePairs(candidates, page, pageSize, total, lastScanAt, lastScanAt is null ? NotScannedYet : null);
    }

    private static DuplicateSide Side(NpgsqlDataReader reader, int at) => new(
        reader.GetGuid(at),
        reader.IsDBNull(at + 1) ? null : reader.GetString(at + 1),
        reader.IsDBNull(at + 2) ? null : reader.GetString(at + 2),
        reader.IsDBNull(at + 3) ? null : reader.GetString(at + 3),
        reader.IsDBNull(at + 4) ? null : reader.GetString(at + 4),
        reader.GetInt32(at + 5));
}

public static class DuplicateCandidatesEndpoint
{
    public static ProblemDetails Validate(int? page, int? pageSize) =>
        new FieldErrors().CheckPaging(page, pageSize).ToProblem();

    [WolverineGet("/api/customers/duplicates", OperationId = "GetDuplicateCandidates", Summary = "Customers that may be duplicates",
        Description = "Pairs with the same phone number, or very similar names in the same country, as found by the last scan ('lastScanAt'; before the first one the list is empty and 'note' says so); most similar first. Merging or erasing a customer removes its pairs.")]
    [Authorize(Policy = Policies.CustomersRead)]
    [Tags("Customers")]
    public static Task<DuplicatePairs> Get(int? page, int? pageSize, DuplicateScan scan,
        CancellationToken cancellation) =>
        scan.Read(page ?? 1, pageSize ?? Paging.DefaultPageSize, cancellation);
}

public static class ScanForDuplicatesEndpoint
{
    [WolverinePost("/api/customers/duplicates/scan", OperationId = "ScanForDuplicates", Summary = "Scan for duplicate customers now",
        Description = "Queues the scan that otherwise runs on its schedule (Jobs:ScanDuplicatesCron); answers 202 with the job's id.")]
    [Authorize(Policy = Policies.CustomersWrite)]
    [Tags("Customers")]
    public static Accepted<DuplicateScanQueued> Post(IBackgroundJobClient jobs)
    {
        var jobId = jobs.Enqueue<DuplicateScan>(scan => scan.Run(CancellationToken.None));
        return TypedResults.Accepted($"/hangfire/jobs/details/{jobId}", new DuplicateScanQueued(jobId));
    }
}
