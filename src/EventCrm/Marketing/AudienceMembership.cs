using System.Text.Json;
using EventCrm.Customers;
using EventCrm.Infrastructure.Storage;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using Npgsql;
using Weasel.Postgresql.Tables;

namespace EventCrm.Marketing;

/// <summary>A stretch of time a customer was in an audience, with why it entered and why it left.</summary>
public sealed record MembershipPeriod(
    Guid CustomerId,
    DateTimeOffset EnteredAt,
    DateTimeOffset? LeftAt,
    string EnteredReason,
    string? LeftReason,
    JsonElement? EnteredEvidence,
    JsonElement? LeftEvidence);

/// <summary>A member as a page of an audience shows it.</summary>
public sealed record AudienceMember(Guid CustomerId, string? Name, string? Email, string? Country, DateTimeOffset EnteredAt, DateTimeOffset? LeftAt);

/// <summary>
/// Who is and was in each audience: one row per stretch of membership, kept inline from the members streams'
/// decisions, so the count and a page of members are index reads, and "who was in it on 3 March" is one query. It
/// is folded from events only, so a rebuild gives the same rows.
/// </summary>
public sealed partial class AudienceMembership : EventProjection
{
    public const string TableName = "marketing_audience_members";
    public const string Members = $"{Schemas.Crm}.{TableName}";
    public const string CurrentIndex = "ux_marketing_audience_members_current";

    public AudienceMembership()
    {
        // Operators read the name in health and metrics: the domain's word, not the .NET type.
        Name = nameof(AudienceMembership);
        SchemaObjects.Add(Table());
        Options.DeleteDataInTableOnTeardown(Members);
    }

    public static Table Table()
    {
        var table = new Table(Members);
        table.AddColumn<Guid>("audience_id").AsPrimaryKey();
        table.AddColumn<Guid>("customer_id").AsPrimaryKey();
        table.AddColumn<DateTimeOffset>("entered_at").AsPrimaryKey();
        table.AddColumn<DateTimeOffset>("left_at");
        table.AddColumn<string>("entered_reason").NotNull();
        table.AddColumn<string>("left_reason");
        table.AddColumn("entered_evidence", "jsonb");
        table.AddColumn("left_evidence", "jsonb");
        // One open stretch per member: the count of an audience reads this index alone.
        table.Indexes.Add(new IndexDefinition(CurrentIndex)
        {
            Columns = ["audience_id", "customer_id"],
            IsUnique = true,
            Predicate = "left_at is null",
        });
        return table;
    }

    public void Project(IEvent<AudienceMembersChanged> changed, IDocumentOperations operations)
    {
        var data = changed.Data;
        if (data.Left.Count > 0)
            operations.QueueSqlCommand(
                $"""
                update {Members} t set left_at = ?, left_reason = ?, left_evidence = m.evidence::jsonb
                from unnest(?::uuid[], ?::text[]) as m(customer, evidence)
                where t.audience_id = ? and t.customer_id = m.customer and t.left_at is null
                """,
                data.At, data.Reason, data.Left.Select(d => d.CustomerId).ToArray(), Evidence(data.Left), data.AudienceId);
        if (data.Entered.Count > 0)
            operations.QueueSqlCommand(
                $"""
                insert into {Members} (audience_id, customer_id, entered_at, entered_reason, entered_evidence)
                select ?, m.customer, ?, ?, m.evidence::jsonb from unnest(?::uuid[], ?::text[]) as m(customer, evidence)
                on conflict do nothing
                """,
                data.AudienceId, data.At, data.Reason, data.Entered.Select(d => d.CustomerId).ToArray(), Evidence(data.Entered));
    }

    private static string?[] Evidence(IReadOnlyList<MemberDecision> decisions) =>
        [.. decisions.Select(d => d.Evidence is null ? null : JsonSerializer.Serialize(d.Evidence))];

    public static async Task<long> Count(NpgsqlDataSource database, Guid audience, CancellationToken cancellation)
    {
        await using var command = database.CreateCommand($"select count(*) from {Members} where audience_id = $1 and left_at is null");
        command.Parameters.AddWithValue(audience);
        return (long)(await command.ExecuteScalarAsync(cancellation))!;
    }

    /// <summary>The audience's members now, or at <paramref name="asOf"/>, by customer id, one page at a time, with the total.</summary>
    public static async Task<(IReadOnlyList<AudienceMember> Members, long Total)> Page(NpgsqlDataSource database, StoreNames names,
        Guid audience, DateTimeOffset? asOf, int page, int pageSize, CancellationToken cancellation)
    {
        var at = asOf is null ? "left_at is null" : "entered_at <= $2 and (left_at is null or left_at > $2)";
        var profiles = names.Table<CustomerProfile>();
        await using var batch = database.CreateBatch();
        var rows = new NpgsqlBatchCommand(
            $"""
            select m.customer_id, p.data ->> '{StoreNames.Json<CustomerProfile>(x => x.Name)}', p.data ->> '{StoreNames.Json<CustomerProfile>(x => x.Email)}',
                   p.data ->> '{StoreNames.Json<CustomerProfile>(x => x.Country)}', m.entered_at, m.left_at
            from {Members} m left join {profiles} p on p.id = m.customer_id
            where m.audience_id = $1 and {at}
            order by m.customer_id
            limit {pageSize} offset {(long)(page - 1) * pageSize}
            """);
        var count = new NpgsqlBatchCommand($"select count(*) from {Members} where audience_id = $1 and {at}");
        foreach (var command in new[] { rows, count })
        {
            command.Parameters.Add(new NpgsqlParameter { Value = audience });
            if (asOf is { } time) command.Parameters.Add(new NpgsqlParameter { Value = time });
            batch.BatchCommands.Add(command);
        }
        var members = new List<AudienceMember>();
        await using var reader = await batch.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation))
            members.Add(new AudienceMember(reader.GetGuid(0), Text(reader, 1), Text(reader, 2), Text(reader, 3),
                reader.GetFieldValue<DateTimeOffset>(4), reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5)));
        await reader.NextResultAsync(cancellation);
        await reader.ReadAsync(cancellation);
        return (members, reader.GetInt64(0));
    }

    /// <summary>Which of <paramref name="customers"/> (every member when null) are in the audience now.</summary>
    public static async Task<HashSet<Guid>> Current(NpgsqlDataSource database, Guid audience, IReadOnlyCollection<Guid>? customers,
        CancellationToken cancellation)
    {
        await using var command = database.CreateCommand(customers is null
            ? $"select customer_id from {Members} where audience_id = $1 and left_at is null"
            : $"select customer_id from {Members} where audience_id = $1 and left_at is null and customer_id = any($2)");
        command.Parameters.AddWithValue(audience);
        if (customers is not null) command.Parameters.AddWithValue(customers.ToArray());
        var members = new HashSet<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation)) members.Add(reader.GetGuid(0));
        return members;
    }

    /// <summary>Every stretch a customer spent in the audience, oldest first.</summary>
    public static async Task<IReadOnlyList<MembershipPeriod>> History(NpgsqlDataSource database, Guid audience, Guid customer,
        CancellationToken cancellation)
    {
        await using var command = database.CreateCommand(
            $"""
            select customer_id, entered_at, left_at, entered_reason, left_reason, entered_evidence, left_evidence
            from {Members} where audience_id = $1 and customer_id = $2 order by entered_at
            """);
        command.Parameters.AddWithValue(audience);
        command.Parameters.AddWithValue(customer);
        var periods = new List<MembershipPeriod>();
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation))
            periods.Add(new MembershipPeriod(reader.GetGuid(0), reader.GetFieldValue<DateTimeOffset>(1),
                reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2), reader.GetString(3), Text(reader, 4),
                Json(reader, 5), Json(reader, 6)));
        return periods;
    }

    private static string? Text(NpgsqlDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetString(column);

    private static JsonElement? Json(NpgsqlDataReader reader, int column) =>
        reader.IsDBNull(column) ? null : JsonDocument.Parse(reader.GetString(column)).RootElement;
}
