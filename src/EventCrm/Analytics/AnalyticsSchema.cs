using System.Linq.Expressions;
using System.Security.Cryptography;
using System.Text;
using EventCrm.Customers;
using EventCrm.Infrastructure.Projections;
using EventCrm.Infrastructure.Storage;
using EventCrm.Models;
using EventCrm.Sales;
using EventCrm.Service;
using JasperFx.Events.Projections;
using Marten;
using Npgsql;

namespace EventCrm.Analytics;

/// <summary>One column of a fact table: its SQL type and how it is read from the read model's JSON.</summary>
public sealed record FactColumn(string Name, string Type, string Json);

/// <summary>
/// A flat table in the <c>analytics</c> schema that mirrors one projected read model (documents of
/// <paramref name="Document"/>), row for row. <paramref name="Keep"/> says which documents have a row (others are
/// left out).
/// </summary>
public sealed record FactTable(string Name, Type Document, FactColumn Key, IReadOnlyList<FactColumn> Columns, string Keep = "true")
{
    public string Qualified => $"{AnalyticsSchema.Schema}.{Name}";

    /// <summary>The read model's table, as the store maps it.</summary>
    public string Source(Marten.IReadOnlyStoreOptions store) => store.Schema.For(Document, true);
}

/// <summary>How the columns of a fact table are read from the JSON of documents of type <typeparamref name="T"/>.</summary>
public sealed class FactColumns<T>
{
    public FactColumn Text(string name, Expression<Func<T, object?>> member) =>
        new(name, "text", $"data ->> '{StoreNames.Json(member)}'");

    public FactColumn Typed(string name, string type, Expression<Func<T, object?>> member) =>
        new(name, type, $"(data ->> '{StoreNames.Json(member)}')::{type}");

    /// <summary>The earliest of several times that are set (PostgreSQL's <c>least</c> passes over nulls).</summary>
    public FactColumn Earliest(string name, params Expression<Func<T, object?>>[] members) =>
        new(name, "timestamptz", $"least({string.Join(", ", members.Select(m => $"(data ->> '{StoreNames.Json(m)}')::timestamptz"))})");

    /// <summary>Marten stores enums by their C# names; the fact tables spell them as the API does (camelCase).</summary>
    public FactColumn Enum(string name, Expression<Func<T, object?>> member)
    {
        var key = StoreNames.Json(member);
        return new(name, "text", $"lower(left(data ->> '{key}', 1)) || substr(data ->> '{key}', 2)");
    }
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
    public const string CustomerScores = $"{Schema}.customer_scores";

    public static void Configure(StoreOptions options)
    {
        options.Projections.Add<PurchaseFactProjection>(ProjectionLifecycle.Async);
        options.Storage.ExtendedSchemaObjects.Add(CampaignTouchFactProjection.Definition());
        options.Projections.Add(new CampaignTouchFactProjection(options), ProjectionLifecycle.Async);
    }

    /// <summary>An enum value as the API and the fact tables spell it.</summary>
    public static string ApiName(Enum value)
    {
        var name = value.ToString();
        return char.ToLowerInvariant(name[0]) + name[1..];
    }

    private static FactTable Facts<T>(string name, FactColumn key, Func<FactColumns<T>, FactColumn[]> columns, string keep = "true") =>
        new(name, typeof(T), key, columns(new FactColumns<T>()), keep);

    public static readonly IReadOnlyList<FactTable> Tables =
    [
        Facts<CustomerProfile>("customer_facts", new("customer_id", "uuid", "id"), c =>
        [
            c.Enum("status", x => x.Status),
            c.Text("country", x => x.Country),
            c.Text("region", x => x.Region),
            c.Text("industry", x => x.Industry),
            c.Text("acquisition_source", x => x.AcquisitionSource),
            c.Text("owner", x => x.Owner),
            c.Typed("birth_date", "date", x => x.BirthDate),
            c.Typed("birth_year", "int", x => x.BirthYear),
            c.Typed("annual_income", "numeric", x => x.AnnualIncome),
            c.Typed("registered_at", "timestamptz", x => x.RegisteredAt),
            c.Typed("purchase_count", "int", x => x.PurchaseCount),
            c.Text("currency", x => x.Currency),
            c.Typed("total_spent", "numeric", x => x.TotalSpent),
            c.Typed("average_purchase", "numeric", x => x.AveragePurchase),
            c.Typed("first_purchase_at", "timestamptz", x => x.FirstPurchaseAt),
            c.Typed("last_purchase_at", "timestamptz", x => x.LastPurchaseAt),
            // When it became a customer: its earliest business fact (docs/analytics.md, "Which time").
            c.Earliest("customer_since", x => x.RegisteredAt, x => x.FirstPurchaseAt),
        ], keep: $"data ->> '{StoreNames.Json<CustomerProfile>(x => x.Status)}' <> '{CustomerStatus.Merged}'"),
        Facts<PurchaseFact>("purchase_facts", new("purchase_id", "uuid", "id"), c =>
        [
            c.Typed("customer_id", "uuid", x => x.CustomerId),
            c.Typed("amount", "numeric", x => x.Amount),
            c.Text("currency", x => x.Currency),
            c.Text("product", x => x.Product),
            c.Text("category", x => x.Category),
            c.Typed("purchased_at", "timestamptz", x => x.PurchasedAt),
        ]),
        Facts<SalesPipelineEntry>("opportunity_facts", new("opportunity_id", "uuid", "id"), c =>
        [
            c.Typed("customer_id", "uuid", x => x.CustomerId),
            c.Text("owner", x => x.Owner),
            c.Text("source", x => x.Source),
            c.Text("currency", x => x.Currency),
            c.Typed("amount", "numeric", x => x.Amount),
            c.Enum("stage", x => x.Stage),
            c.Typed("is_open", "boolean", x => x.IsOpen),
            c.Enum("outcome", x => x.Outcome),
            c.Enum("furthest_stage", x => x.FurthestStage),
            c.Typed("opened_at", "timestamptz", x => x.OpenedAt),
            c.Typed("closed_at", "timestamptz", x => x.ClosedAt),
            c.Typed("expected_close_date", "date", x => x.ExpectedCloseDate),
        ]),
        Facts<TicketView>("ticket_facts", new("ticket_id", "uuid", "id"), c =>
        [
            c.Typed("customer_id", "uuid", x => x.CustomerId),
            c.Enum("kind", x => x.Kind),
            c.Enum("priority", x => x.Priority),
            c.Text("channel", x => x.Channel),
            c.Enum("status", x => x.Status),
            c.Typed("is_active", "boolean", x => x.IsActive),
            c.Typed("opened_at", "timestamptz", x => x.OpenedAt),
            c.Typed("first_response_at", "timestamptz", x => x.FirstResponseAt),
            c.Typed("resolved_at", "timestamptz", x => x.ResolvedAt),
            c.Typed("first_response_minutes", "float8", x => x.FirstResponseMinutes),
            c.Typed("resolution_minutes", "float8", x => x.ResolutionMinutes),
            c.Typed("first_response_on_time", "boolean", x => x.FirstResponseOnTime),
            c.Typed("resolution_on_time", "boolean", x => x.ResolutionOnTime),
            c.Typed("breached", "boolean", x => x.Breached),
            c.Typed("reopen_count", "int", x => x.ReopenCount),
            c.Typed("satisfaction", "int", x => x.Satisfaction),
        ]),
        // Not a projection: the scoring job rewrites the scores after each activated model.
        Facts<CustomerScore>("customer_scores", new("customer_id", "uuid", "id"), c =>
        [
            c.Typed("churn_risk", "float8", x => x.ChurnRisk),
            c.Typed("churn_version", "int", x => x.ChurnVersion),
            c.Typed("high_value_probability", "float8", x => x.HighValueProbability),
            c.Typed("high_value_version", "int", x => x.HighValueVersion),
            c.Typed("expected_spend_90", "float8", x => x.ExpectedSpend90),
            c.Typed("purchase_amount_version", "int", x => x.PurchaseAmountVersion),
            c.Typed("segment", "int", x => x.Segment),
            c.Text("segment_name", x => x.SegmentName),
            c.Typed("segments_version", "int", x => x.SegmentsVersion),
            c.Typed("scored_at", "timestamptz", x => x.ScoredAt),
        ]),
    ];

    /// <summary>The statements that create a fact table, the triggers that keep it, and its first fill.</summary>
    public static (string Create, string Triggers, string Fill) Sql(FactTable table, string source)
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
                -- A rebuild writing a batch of documents at once keeps the rows set-wise instead (RowsKept).
                if current_setting('{DeferredSetting}', true) = 'on' then
                    return null;
                end if;
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
            create or replace trigger analytics_{table.Name} after insert or update or delete on {source}
                for each row execute function {sync}();
            create or replace trigger analytics_{table.Name}_truncate after truncate on {source}
                for each statement execute function {clear}();
            """;
        var fill = $"insert into {table.Qualified} ({names}) select {values} from {source} where {table.Keep}";
        return (create, triggers, fill);
    }

    /// <summary>
    /// Set locally in a transaction, the fact tables' row triggers leave their rows alone: a rebuild that writes many
    /// documents in one statement then keeps the rows with <see cref="Follow"/>, once per batch.
    /// </summary>
    public const string DeferredSetting = $"{Schema}.rows_deferred";

    /// <summary>
    /// What the row trigger writes, for many documents in two statements: the rows of the documents kept (upserted,
    /// only where a column differs), and no row for a document that is gone or not kept. For the documents whose ids
    /// are in the uuid array <paramref name="ids"/> (a parameter's placeholder), or all of them when it is null.
    /// </summary>
    public static string[] Follow(FactTable table, string source, string? ids)
    {
        var columns = new[] { table.Key }.Concat(table.Columns).ToList();
        var names = string.Join(", ", columns.Select(c => c.Name));
        var values = string.Join(", ", columns.Select(c => $"({c.Json})::{c.Type}"));
        var updates = string.Join(", ", table.Columns.Select(c => $"{c.Name} = excluded.{c.Name}"));
        var current = string.Join(", ", table.Columns.Select(c => $"{table.Name}.{c.Name}"));
        var excluded = string.Join(", ", table.Columns.Select(c => $"excluded.{c.Name}"));
        var only = ids is null ? "" : $"id = any({ids}) and ";
        var onlyRows = ids is null ? "" : $"f.{table.Key.Name} = any({ids}) and ";
        return
        [
            $"insert into {table.Qualified} as {table.Name} ({names}) select {values} from {source} where {only}({table.Keep}) " +
            $"on conflict ({table.Key.Name}) do update set {updates} where ({current}) is distinct from ({excluded})",
            $"delete from {table.Qualified} f where {onlyRows}not exists (select from {source} d where d.id = f.{table.Key.Name} and ({table.Keep}))",
        ];
    }

    /// <summary>The fact tables to the rebuild: which rows follow which documents, and how they are kept in bulk.</summary>
    internal sealed class RowsKept(IDocumentStore store) : IRowsKeptFromDocuments
    {
        public string Defer => $"select set_config('{DeferredSetting}', 'on', true)";

        public IReadOnlyList<string> Follow(Type document, string? ids) =>
            [.. Tables.Where(t => t.Document == document).SelectMany(t => AnalyticsSchema.Follow(t, t.Source(store.Options), ids))];
    }

    /// <summary>
    /// Creates what is missing (db-apply, as the owner). A fact table whose definition changed is recreated; a new
    /// one, or one whose trigger had gone (its read model's table was recreated), is filled again from its read
    /// model. The application's role writes the tables through the triggers; the analysts' role reads them.
    /// </summary>
    internal sealed class CreateFactTables(IDocumentStore store, StoreNames names, CustomerRules rules, IConfiguration configuration,
        ILogger<CreateFactTables> logger) : ISchemaStep
    {
        public string Name => "the analytics fact tables";

        public async Task PrepareAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
        {
            await using var command = new NpgsqlCommand(CampaignFactViews.Drop, connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        public async Task ApplyAsync(SchemaChange change, CancellationToken cancellationToken)
        {
            var connection = change.Connection;
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

            async Task<object?> Run(string sql, params object[] parameters)
            {
                await using var command = new NpgsqlCommand(sql, connection, transaction);
                foreach (var parameter in parameters) command.Parameters.AddWithValue(parameter);
                return await command.ExecuteScalarAsync(cancellationToken);
            }

            await Run($"create schema if not exists {Schema}");
            await Run($"revoke all on schema {Schema} from public");
            await Run(CampaignFactViews.Drop);
            foreach (var table in Tables)
            {
                var source = table.Source(store.Options);
                var (create, triggers, fill) = Sql(table, source);
                var version = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(create + fill)))[..16];
                var current = await Run("select obj_description(to_regclass($1), 'pg_class')", table.Qualified) as string;
                var triggered = (bool)(await Run("select exists (select from pg_trigger where tgname = $1 and tgrelid = to_regclass($2))",
                    $"analytics_{table.Name}", source))!;
                if (current == version && triggered)
                {
                    // The same table and fill: only the trigger functions may be newer (replaced in place, no refill).
                    await Run(triggers);
                    continue;
                }

                logger.LogInformation("Filling {Table} from its read model", table.Qualified);
                await Run($"drop table if exists {table.Qualified}");
                await Run(create);
                await Run($"comment on table {table.Qualified} is '{version}'");
                await Run(triggers);
                await Run(fill);
                await Run($"analyze {table.Qualified}");
            }
            await Run(CampaignFactViews.Create(names, rules.HouseCurrency));

            if (change.ApplicationRole is { } application)
            {
                await Run($"grant usage on schema {Schema} to {application}");
                await Run($"grant select, insert, update, delete, truncate on all tables in schema {Schema} to {application}");
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
    }
}
