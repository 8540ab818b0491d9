using System.Threading.Channels;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using EventCrm.Infrastructure.Storage;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Weasel.Postgresql.Tables;
using Wolverine.Http;

namespace EventCrm.Audit;

/// <summary>One read of someone's personal data: about whom, what, by whom, when, through which route.</summary>
public sealed record PersonalDataRead(Guid SubjectId, string What, string User, string Route, string? CorrelationId,
    DateTimeOffset At);

/// <summary>Reads of personal data, recorded together: an event like any other, so the access log is sealed with the events.</summary>
public sealed record PersonalDataReadsRecorded(IReadOnlyList<PersonalDataRead> Reads);

/// <summary>
/// Who read personal data. A read is handed to an in-memory queue on the request's path (no I/O, well under a
/// microsecond) and written within <c>Audit:AccessLog:FlushInterval</c> (1 s) by a background writer, as one
/// <see cref="PersonalDataReadsRecorded"/> event per batch; a projection keeps them as rows that auditors query by
/// subject and by user. What a crash can lose is the last interval's reads; when the database is away, reads are kept
/// in memory (up to <see cref="Capacity"/>) and written once it is back.
/// </summary>
public sealed class AccessLog(AuditRules rules, TimeProvider clock)
{
    public const int Capacity = 100_000;
    private readonly Channel<PersonalDataRead> _queue = Channel.CreateBounded<PersonalDataRead>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    internal ChannelReader<PersonalDataRead> Queue => _queue.Reader;

    /// <summary>Records that the caller of this request read <paramref name="what"/> about <paramref name="subject"/>.</summary>
    public ValueTask Read(HttpContext http, Guid subject, string what)
    {
        if (!rules.AccessLog.Enabled) return ValueTask.CompletedTask;
        var route = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? http.Request.Path.Value ?? "";
        var read = new PersonalDataRead(subject, what, http.User.Identity?.Name ?? "anonymous",
            $"{http.Request.Method} /{route.TrimStart('/')}", CorrelationId.Of(http), clock.GetUtcNow());
        // The queue is full only while the database has been away for long: then reads wait rather than go unrecorded.
        return _queue.Writer.TryWrite(read) ? ValueTask.CompletedTask : _queue.Writer.WriteAsync(read, http.RequestAborted);
    }

    /// <summary>Takes what is queued, at most <paramref name="max"/>, waiting up to <paramref name="wait"/> for more.</summary>
    internal async Task<List<PersonalDataRead>> Take(int max, TimeSpan wait, CancellationToken cancellation)
    {
        var batch = new List<PersonalDataRead>();
        if (!await _queue.Reader.WaitToReadAsync(cancellation)) return batch;
        using var window = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        window.CancelAfter(wait);
        try
        {
            while (batch.Count < max)
            {
                while (batch.Count < max && _queue.Reader.TryRead(out var read)) batch.Add(read);
                if (batch.Count >= max || !await _queue.Reader.WaitToReadAsync(window.Token)) break;
            }
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            // the window closed: write what there is
        }
        return batch;
    }
}

/// <summary>Writes the queued reads as events, a batch at a time; keeps a batch until it is written.</summary>
internal sealed class AccessLogWriter(AccessLog log, IDocumentStore store, AuditRules rules, ILogger<AccessLogWriter> logger)
    : BackgroundService
{
    public const string User = "access-log";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            List<PersonalDataRead> batch;
            try
            {
                batch = await log.Take(rules.AccessLog.BatchSize, rules.AccessLog.FlushInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            await Write(batch, stoppingToken);
        }
        // Stopping: what is still queued is written before the process ends.
        while (log.Queue.TryPeek(out _))
            await Write(await log.Take(rules.AccessLog.BatchSize, TimeSpan.Zero, CancellationToken.None), CancellationToken.None);
    }

    private async Task Write(List<PersonalDataRead> batch, CancellationToken stoppingToken)
    {
        for (var attempt = 1; batch.Count > 0; attempt++)
        {
            try
            {
                await using var session = store.LightweightSession();
                session.LastModifiedBy = User;
                session.SetHeader("source", "system:access-log");
                session.Events.StartStream(Guid.CreateVersion7(), new PersonalDataReadsRecorded(batch));
                await session.SaveChangesAsync(CancellationToken.None);
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                logger.LogWarning(e, "Could not write {Count} reads of personal data; trying again", batch.Count);
                if (stoppingToken.IsCancellationRequested && attempt >= 3) throw;
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, attempt)), CancellationToken.None);
            }
        }
    }
}

/// <summary>A recorded read, as auditors list it.</summary>
public sealed record PersonalDataAccess(Guid SubjectId, string What, string User, string Route, string? CorrelationId,
    DateTimeOffset At, long Sequence);

/// <summary>The reads as rows (<c>audit.personal_data_reads</c>), one per read, kept from the events: rebuildable, indexed by subject and user.</summary>
public partial class PersonalDataReadProjection : EventProjection
{
    public const string Table = $"{Schemas.Audit}.personal_data_reads";

    public PersonalDataReadProjection()
    {
        Name = "PersonalDataReads";
    }

    public void Project(IEvent<PersonalDataReadsRecorded> recorded, IDocumentOperations operations)
    {
        var reads = recorded.Data.Reads;
        // The event's id and the read's position: replaying the events (a rebuild) writes each row once.
        operations.QueueSqlCommand(
            $"insert into {Table} (event_id, ordinal, subject_id, what, user_name, route, correlation_id, read_at) " +
            "select ?, ordinal, subject, what, reader, route, correlation, at " +
            "from unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[], ?::timestamptz[]) with ordinality " +
            "as r(subject, what, reader, route, correlation, at, ordinal) on conflict do nothing",
            recorded.Id, reads.Select(r => r.SubjectId).ToArray(), reads.Select(r => r.What).ToArray(),
            reads.Select(r => r.User).ToArray(), reads.Select(r => r.Route).ToArray(),
            reads.Select(r => r.CorrelationId).ToArray(), reads.Select(r => r.At).ToArray());
    }

    public static Table Definition()
    {
        var table = new Table(Table);
        table.AddColumn<Guid>("event_id").AsPrimaryKey();
        table.AddColumn<long>("ordinal").AsPrimaryKey();
        table.AddColumn<Guid>("subject_id").NotNull();
        table.AddColumn<string>("what").NotNull();
        table.AddColumn<string>("user_name").NotNull();
        table.AddColumn<string>("route").NotNull();
        table.AddColumn<string>("correlation_id");
        table.AddColumn("read_at", "timestamptz").NotNull();
        table.Indexes.Add(new IndexDefinition("ix_personal_data_reads_subject") { Columns = ["subject_id", "read_at"] });
        table.Indexes.Add(new IndexDefinition("ix_personal_data_reads_user") { Columns = ["user_name", "read_at"] });
        return table;
    }
}

/// <summary>The filters of the access log: a subject, a user, a time range; at least a subject or a user.</summary>
public class AccessQuery
{
    /// <summary>Whose data was read: a customer's id.</summary>
    [FromQuery] public Guid? Subject { get; set; }
    /// <summary>Who read, as named in their token.</summary>
    [FromQuery] public string? User { get; set; }
    [FromQuery] public DateTimeOffset? From { get; set; }
    [FromQuery] public DateTimeOffset? To { get; set; }
    [FromQuery] public int? Page { get; set; }
    [FromQuery] public int? PageSize { get; set; }
}

/// <summary>Reads the access log.</summary>
public sealed class AccessRecords(NpgsqlDataSource database, StoreNames names)
{
    public async Task<Page<PersonalDataAccess>> Find(IReadOnlyCollection<Guid>? subjects, string? user, DateTimeOffset? from,
        DateTimeOffset? to, int page, int pageSize, CancellationToken cancellation)
    {
        var where = new List<string> { "true" };
        var parameters = new List<object>();
        void Add(string condition, object value)
        {
            parameters.Add(value);
            where.Add(condition.Replace("@", "$" + parameters.Count));
        }
        if (subjects is not null) Add("r.subject_id = any(@)", subjects.ToArray());
        if (user is not null) Add("r.user_name = @", user);
        if (from is { } start) Add("r.read_at >= @", start);
        if (to is { } end) Add("r.read_at < @", end);
        var condition = string.Join(" and ", where);

        await using var batch = database.CreateBatch();
        var rows = new NpgsqlBatchCommand($"""
            select r.subject_id, r.what, r.user_name, r.route, r.correlation_id, r.read_at, e.seq_id
            from {PersonalDataReadProjection.Table} r join {names.Events} e on e.id = r.event_id
            where {condition}
            order by r.read_at desc, r.event_id, r.ordinal
            limit {pageSize} offset {(long)(page - 1) * pageSize}
            """);
        var count = new NpgsqlBatchCommand($"select count(*) from {PersonalDataReadProjection.Table} r where {condition}");
        foreach (var value in parameters)
        {
            rows.Parameters.Add(new NpgsqlParameter { Value = value });
            count.Parameters.Add(new NpgsqlParameter { Value = value });
        }
        batch.BatchCommands.Add(rows);
        batch.BatchCommands.Add(count);

        var items = new List<PersonalDataAccess>();
        await using var reader = await batch.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation))
            items.Add(new PersonalDataAccess(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetInt64(6)));
        await reader.NextResultAsync(cancellation);
        await reader.ReadAsync(cancellation);
        return new Page<PersonalDataAccess>(items, page, pageSize, reader.GetInt64(0));
    }

    /// <summary>Every recorded read about these subjects, newest first (for a subject access export).</summary>
    public async Task<IReadOnlyList<PersonalDataAccess>> All(IReadOnlyCollection<Guid> subjects, CancellationToken cancellation)
    {
        var all = new List<PersonalDataAccess>();
        for (var page = 1; ; page++)
        {
            var found = await Find(subjects, null, null, null, page, Paging.MaxPageSize, cancellation);
            all.AddRange(found.Items);
            if (all.Count >= found.Total || found.Items.Count == 0) return all;
        }
    }
}

public static class AccessLogEndpoint
{
    public static ProblemDetails Validate([AsParameters] AccessQuery query)
    {
        var errors = new FieldErrors().CheckPaging(query.Page, query.PageSize).OptionalText("user", query.User, 200);
        if (query.Subject is null && string.IsNullOrWhiteSpace(query.User))
            errors.Add("subject", "Give a 'subject' (whose data was read) or a 'user' (who read it), or both.");
        if (query.From >= query.To) errors.Add("from", "'from' must be before 'to'.");
        return errors.ToProblem();
    }

    [WolverineGet("/api/audit/access", OperationId = "GetAccessLog", Summary = "Who read personal data",
        Description = "Reads of customers' profiles, histories, timelines and exports: about whom (subject), by whom (user), when, through which route; newest first, paged. Reads are written within a second of being made.")]
    [Authorize(Policy = Policies.Audit)]
    [Tags("Audit")]
    public static Task<Page<PersonalDataAccess>> Get([AsParameters] AccessQuery query, AccessRecords records,
        CancellationToken cancellation) =>
        records.Find(query.Subject is { } subject ? [subject] : null, string.IsNullOrWhiteSpace(query.User) ? null : query.User.Trim(),
            query.From, query.To, query.Page ?? 1, query.PageSize ?? Paging.DefaultPageSize, cancellation);
}
