using EventCrm.Analytics;
using EventCrm.Customers;
using EventCrm.Infrastructure.Storage;
using EventCrm.Tests.Customers;
using Marten;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventCrm.Tests.Analytics;

/// <summary>
/// BI tools connect as the analysts' read-only role (<c>build/crm test</c> creates it and passes its
/// connection string in <c>CRM_ANALYST_CONNECTION</c>) and read the flat tables of the analytics schema.
/// </summary>
[Collection(AppCollection.Name)]
public class when_analysts_query_the_database(AppFixture app)
{
    private static NpgsqlDataSource Analyst { get; } = NpgsqlDataSource.Create(
        Environment.GetEnvironmentVariable("CRM_ANALYST_CONNECTION") is { Length: > 0 } connection
            ? connection
            : throw new InvalidOperationException("Set CRM_ANALYST_CONNECTION (build/crm test does) to test the analysts' role."));

    private NpgsqlDataSource Application => app.Host.Services.GetRequiredService<NpgsqlDataSource>();

    [Fact]
    public async Task the_analyst_role_reads_every_fact_table()
    {
        var reference = await ReferenceCustomers.In(app);

        await using var command = Analyst.CreateCommand(
            "select count(*), sum(total_spent), sum(purchase_count) from analytics.customer_facts where industry = $1");
        command.Parameters.AddWithValue(reference.Industry);
        await using (var reader = await command.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            reader.GetInt64(0).ShouldBe(reference.Rows.Count);
            reader.GetDecimal(1).ShouldBe(reference.Rows.Sum(r => r.Purchases.Sum(p => p.Amount)));
            reader.GetInt64(2).ShouldBe(reference.Rows.Sum(r => r.Purchases.Count));
        }
        foreach (var table in AnalyticsSchema.Tables)
            (await Scalar(Analyst, $"select count(*) from {table.Qualified}")).ShouldBeOfType<long>();
        // The campaign facts, views included (they read the event log as their owner; the analyst cannot).
        foreach (var table in new[] { CampaignTouchFactProjection.Table, CampaignFactViews.TouchFacts, CampaignFactViews.AttributionFacts })
            (await Scalar(Analyst, $"select count(*) from {table}")).ShouldBeOfType<long>();
    }

    [Theory]
    [InlineData("select count(*) from {profiles}")]
    [InlineData("select count(*) from {events}")]
    [InlineData("select count(*) from {jobs}.job")]
    [InlineData("select count(*) from {messaging}.wolverine_incoming_envelopes")]
    [InlineData("insert into analytics.customer_facts (customer_id) values (gen_random_uuid())")]
    [InlineData("update analytics.customer_facts set total_spent = 0")]
    [InlineData("delete from analytics.purchase_facts")]
    [InlineData("truncate analytics.ticket_facts")]
    [InlineData("delete from analytics.campaign_touches")]
    [InlineData("create table analytics.mine (id int)")]
    [InlineData("create table public.mine (id int)")]
    [InlineData("create schema mine")]
    [InlineData("drop table analytics.opportunity_facts")]
    public async Task anything_else_is_refused(string sql)
    {
        sql = sql.Replace("{profiles}", app.Names.Table<CustomerProfile>()).Replace("{events}", app.Names.Events)
            .Replace("{jobs}", Schemas.Jobs).Replace("{messaging}", Schemas.Messaging);
        var refused = await Should.ThrowAsync<PostgresException>(() => Scalar(Analyst, sql));

        refused.SqlState.ShouldBeOneOf(PostgresErrorCodes.InsufficientPrivilege);
    }

    [Fact]
    public async Task each_fact_table_has_a_row_for_every_document_of_its_read_model()
    {
        await ReferenceCustomers.In(app);
        await app.Host.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));

        foreach (var table in AnalyticsSchema.Tables)
        {
            var missing = await Scalar(Application, $"""
                select count(*) from {table.Source(app.Store.Options)} d where ({table.Keep})
                  and not exists (select from {table.Qualified} f where f.{table.Key.Name} = d.id)
                """);
            var extra = await Scalar(Application, $"""
                select count(*) from {table.Qualified} f
                where not exists (select from {table.Source(app.Store.Options)} d where d.id = f.{table.Key.Name} and ({table.Keep}))
                """);
            ((long)missing!).ShouldBe(0, table.Name);
            ((long)extra!).ShouldBe(0, table.Name);
        }
    }

    [Fact]
    public async Task a_merged_duplicate_leaves_the_customer_facts_and_its_purchases_move_to_the_survivor()
    {
        var survivor = await app.Register(AppFixture.NewEmail());
        var duplicate = await app.Register(AppFixture.NewEmail());
        await app.Succeed(duplicate, "purchases", new { version = 1, amount = 40m, currency = "EUR", product = "Lamp", category = "Home" });
        await app.Succeed(survivor, "merge", new { version = 1, duplicateId = duplicate });
        await app.Host.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));

        (await Scalar(Analyst, $"select count(*) from analytics.customer_facts where customer_id = '{duplicate}'")).ShouldBe(0L);
        (await Scalar(Analyst, $"select total_spent from analytics.customer_facts where customer_id = '{survivor}'")).ShouldBe(40m);
        (await Scalar(Analyst, $"select string_agg(customer_id::text, ',') from analytics.purchase_facts where customer_id in ('{survivor}', '{duplicate}')"))
            .ShouldBe(survivor.ToString());
    }

    [Fact]
    public async Task rebuilding_the_profiles_rebuilds_the_customer_facts_identically()
    {
        await ReferenceCustomers.In(app);
        const string facts = "select coalesce(string_agg(f::text, E'\\n' order by customer_id), '') from analytics.customer_facts f";
        var before = (string)(await Scalar(Application, facts))!;

        using (var daemon = await app.Store.BuildProjectionDaemonAsync())
            await daemon.RebuildProjectionAsync<CustomerProfileProjection>(CancellationToken.None);

        var after = (string)(await Scalar(Application, facts))!;
        after.ShouldBe(before);
        before.ShouldNotBeEmpty();
    }

    private static async Task<object?> Scalar(NpgsqlDataSource database, string sql)
    {
        await using var command = database.CreateCommand(sql);
        return await command.ExecuteScalarAsync();
    }
}
