using System.Security.Cryptography;
using System.Text;
using EventCrm.Infrastructure;
using JasperFx.Events.Projections;
using Marten;
using Npgsql;

namespace EventCrm.Analytics;

/// <summary>One column of a fact table: its SQL type and how it is read from the read model's JSON.</summary>
public sealed record FactColumn(string Name, string Type, string Json);

/// <summary>
/// A flat table in the <c>analytics</c> schema that mirrors one projected read model, row for row.
/// <paramref name="Keep"/> says which documents have a row (others are left out).
/// </summary>
public sealed record FactTable(string Name, string Source, FactColumn Key, IReadOnlyList<FactColumn> Columns, string Keep = "true")
{
    public string Qualified => $"{AnalyticsSchema.Schema}.{Name}";
}

/// <summary>
/// The <c>analytics</c> schema: narrow, typed tables for analysts and BI tools (scanning them is several
/// times faster than reading the documents' JSON). Each mirrors a read model that Marten's projections
/// maintain; a row trigger on the read model's table keeps the copy in the same transaction, so a fact
/// table is exactly as current as its read model, and rebuilding the projection rebuilds it. SELECT on
/// the schema, and nothing else, goes to the analysts' database role (<c>Analytics:ReaderRole</c>).
/// </summary>
public static class AnalyticsSchema
{
    public const string Schema = "analytics";
    public const string CustomerFacts = $"{Schema}.customer_facts";
    public const string PurchaseFacts = $"{Schema}.purchase_facts";
    public const string OpportunityFacts = $"{Schema}.opportunity_facts";
    public const string TicketFacts = $"{Schema}.ticket_facts";

    public static void Configure(StoreOptions options) =>
        options.Projections.Add<PurchaseFactProjection>(ProjectionLifecycle.Async);

    public static IServiceCollection AddAnalyticsSchema(this IServiceCollection services) =>
        services.AddHostedService<CreateFactTables>();

    /// <summary>An enum value as the API and the fact tables spell it.</summary>
    public static string ApiName(Enum value)
    {
        var name = value.ToString();
        return char.ToLowerInvariant(name[0]) + name[1..];
    }

    private const string Crm = CrmMarten.Schema;

    private static FactColumn Text(string name, string property) => new(name, "text", $"data ->> '{property}'");

    private static FactColumn Typed(string name, string type, string property) => new(name, type, $"(data ->> '{property}')::{type}");

    /// <summary>Marten stores enums by their C# names; the fact tables spell them as the API does (camelCase).</summary>
    private static FactColumn Enum(string name, string property) =>
        new(name, "text", $"lower(left(data ->> '{property}', 1)) || substr(data ->> '{property}', 2)");

    public static readonly IReadOnlyList<FactTable> Tables =
    [
        new("customer_facts", $"{Crm}.mt_doc_customerprofile", new("customer_id", "uuid", "id"),
        [
            Enum("status", "status"),
            Text("country", "country"),
            Text("region", "region"),
            Text("industry", "industry"),
            Text("acquisition_source", "acquisitionSource"),
            Text("owner", "owner"),
            Typed("birth_date", "date", "birthDate"),
            Typed("birth_year", "int", "birthYear"),
            Typed("annual_income", "numeric", "annualIncome"),
            Typed("registered_at", "timestamptz", "registeredAt"),
            Typed("purchase_count", "int", "purchaseCount"),
            Text("currency", "currency"),
            Typed("total_spent", "numeric", "totalSpent"),
            Typed("average_purchase", "numeric", "averagePurchase"),
            Typed("first_purchase_at", "timestamptz", "firstPurchaseAt"),
            Typed("last_purchase_at", "timestamptz", "lastPurchaseAt"),
        ], Keep: "data ->> 'status' <> 'Merged'"),
        new("purchase_facts", $"{Crm}.mt_doc_purchasefact", new("purchase_id", "uuid", "id"),
        [
            Typed("customer_id", "uuid", "customerId"),
            Typed("amount", "numeric", "amount"),
            Text("currency", "currency"),
            Text("product", "product"),
            Text("category", "category"),
            Typed("purchased_at", "timestamptz", "purchasedAt"),
        ]),
        new("opportunity_facts", $"{Crm}.mt_doc_salespipelineentry", new("opportunity_id", "uuid", "id"),
        [
            Typed("customer_id", "uuid", "customerId"),
            Text("owner", "owner"),
            Text("source", "source"),
            Text("currency", "currency"),
            Typed("amount", "numeric", "amount"),
            Enum("stage", "stage"),
            Typed("is_open", "boolean", "isOpen"),
            Enum("outcome", "outcome"),
            Enum("furthest_stage", "furthestStage"),
            Typed("opened_at", "timestamptz", "openedAt"),
            Typed("closed_at", "timestamptz", "closedAt"),
            Typed("expected_close_date", "date", "expectedCloseDate"),
        ]),
        new("ticket_facts", $"{Crm}.mt_doc_ticketview", new("ticket_id", "uuid", "id"),
        [
            Typed("customer_id", "uuid", "customerId"),
            Enum("kind", "kind"),
            Enum("priority", "priority"),
            Text("channel", "channel"),
            Enum("status", "status"),
            Typed("is_active", "boolean", "isActive"),
            Typed("opened_at", "timestamptz", "openedAt"),
            Typed("first_response_at", "timestamptz", "firstResponseAt"),
            Typed("resolved_at", "timestamptz", "resolvedAt"),
            Typed("first_response_minutes", "float8", "firstResponseMinutes"),
            Typed("resolution_minutes", "float8", "resolutionMinutes"),
            Typed("first_response_on_time", "boolean", "firstResponseOnTime"),
            Typed("resolution_on_time", "boolean", "resolutionOnTime"),
            Typed("breached", "boolean", "breached"),
            Typed("reopen_count", "int", "reopenCount"),
            Typed("satisfaction", "int", "satisfaction"),
        ]),
    ];

    /// <summary>The statements that create a fact table, the triggers that keep it, and its first fill.</summary>
    public static (string Create, string Triggers, string Fill) Sql(FactTable table)
    {
        var all = new[] { table.Key }.Concat(table.Columns).ToList();
        var names = string.Join(", ", all.Select(c => c.Name));
        var values = string.Join(", ", all.Select(c => $"({c.Json})::{c.Type}"));
        var updates = string.Join(", ", table.Columns.Select(c => $"{c.Name} = excluded.{c.Name}"));
        var sync = $"{Schema}.sync_{table.Name}";
        var clear = $"{Schema}.clear_{table.Name}";

        var create = $"create table {table.Qualified} ({string.Join(", ", all.Select(c => $"{c.Name} {c.Type}"))}, primary key ({table.Key.Name}))";
        var triggers = $"""
            create or replace function {sync}() returns trigger language plpgsql as $body$
            begin
                if tg_op = 'DELETE' then
                    delete from {table.Qualified} where {table.Key.Name} = old.id;
                    return null;
                end if;
                insert into {table.Qualified} ({names})
                select {values} from (select new.id, new.data) as document(id, data) where {table.Keep}
                on conflict ({table.Key.Name}) do update set {updates};
                if not found then
                    delete from {table.Qualified} where {table.Key.Name} = new.id;
                end if;
                return null;
            end $body$;
            create or replace function {clear}() returns trigger language plpgsql as $body$
            begin
                truncate {table.Qualified};
                return null;
            end $body$;
            create or replace trigger analytics_{table.Name} after insert or update or delete on {table.Source}
                for each row execute function {sync}();
            create or replace trigger analytics_{table.Name}_truncate after truncate on {table.Source}
                for each statement execute function {clear}();
            """;
        var fill = $"insert into {table.Qualified} ({names}) select {values} from {table.Source} where {table.Keep}";
        return (create, triggers, fill);
    }

    /// <summary>
    /// Creates what is missing when the application starts. A fact table whose definition changed is
    /// recreated; a new one, or one whose trigger had gone (its read model's table was recreated), is filled
    /// again from its read model.
    /// </summary>
    private sealed class CreateFactTables(NpgsqlDataSource database, IConfiguration configuration, ILogger<CreateFactTables> logger)
        : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await using var connection = await database.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

            async Task<object?> Run(string sql, params object[] parameters)
            {
                await using var command = new NpgsqlCommand(sql, connection, transaction);
                foreach (var parameter in parameters) command.Parameters.AddWithValue(parameter);
                return await command.ExecuteScalarAsync(cancellationToken);
            }

            // Nodes starting together take turns.
            await Run("select pg_advisory_xact_lock(hashtext('eventcrm.analytics-schema'))");
            await Run($"create schema if not exists {Schema}");
            foreach (var table in Tables)
            {
                var (create, triggers, fill) = Sql(table);
                var version = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(create + fill)))[..16];
                var current = await Run("select obj_description(to_regclass($1), 'pg_class')", table.Qualified) as string;
                var triggered = (bool)(await Run("select exists (select from pg_trigger where tgname = $1 and tgrelid = to_regclass($2))",
                    $"analytics_{table.Name}", table.Source))!;
                if (current == version && triggered) continue;

                logger.LogInformation("Filling {Table} from its read model", table.Qualified);
                await Run($"drop table if exists {table.Qualified}");
                await Run(create);
                await Run($"comment on table {table.Qualified} is '{version}'");
                await Run(triggers);
                await Run(fill);
                await Run($"analyze {table.Qualified}");
            }

            var reader = configuration["Analytics:ReaderRole"] ?? "eventcrm_analyst";
            if ((bool)(await Run("select exists (select from pg_roles where rolname = $1)", reader))!)
            {
                var role = new NpgsqlCommandBuilder().QuoteIdentifier(reader);
                await Run($"grant usage on schema {Schema} to {role}");
                await Run($"grant select on all tables in schema {Schema} to {role}");
            }
            else
            {
                logger.LogWarning("The analysts' database role {Role} does not exist: the analytics tables are not shared. See docs/analytics.md", reader);
            }
            await transaction.CommitAsync(cancellationToken);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
