using EventCrm.Analytics;
using EventCrm.Customers;
using EventCrm.Infrastructure.Projections;
using EventCrm.Tests.Customers;
using Marten;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventCrm.Tests.Analytics;

/// <summary>
/// A rebuild writes the purchase facts in bulk, and the analytics rows their trigger keeps set-wise: both tables must
/// come out as the daemon projected them, whatever was wrong with them before.
/// </summary>
[Collection(AppCollection.Name)]
public class when_the_purchase_facts_are_rebuilt(AppFixture app)
{
    private NpgsqlDataSource Database => app.Host.Services.GetRequiredService<NpgsqlDataSource>();

    private async Task<object?> Scalar(string sql)
    {
        await using var command = Database.CreateCommand(sql);
        return await command.ExecuteScalarAsync();
    }

    private string Documents => app.Names.Table<PurchaseFact>();

    /// <summary>Every fact document's JSON and type, and every analytics row, as PostgreSQL holds them, in id order.</summary>
    private async Task<(string Documents, string Rows)> Snapshot() => (
        (string)(await Scalar($"select coalesce(string_agg(id || ' ' || data::text || ' ' || mt_dotnet_type, E'\\n' order by id), '') from {Documents}"))!,
        (string)(await Scalar($"select coalesce(string_agg(f::text, E'\\n' order by purchase_id), '') from {AnalyticsSchema.PurchaseFacts} f"))!);

    private async Task<Guid> Buy(Guid customer, int version, decimal amount, string product) =>
        (await (await app.Command(customer, "purchases", new { version, amount, currency = "EUR", product, category = "Home" })).Body())
            .GetProperty("purchaseId").GetGuid();

    [Fact]
    public async Task the_facts_and_their_analytics_rows_are_as_the_daemon_projected_them()
    {
        var survivor = await app.Register(AppFixture.NewEmail("facts"));
        var duplicate = await app.Register(AppFixture.NewEmail("facts"));
        var kept = await Buy(survivor, 1, 12.5m, "Lamp");
        var moved = await Buy(duplicate, 1, 40m, "Chair");
        var voided = await Buy(duplicate, 2, 7m, "Mistake");
        (await app.Command(duplicate, $"purchases/{voided}/void", new { version = 3, reason = "Entered twice" }))
            .Context.Response.StatusCode.ShouldBe(200);
        await app.Succeed(survivor, "merge", new { version = 2, duplicateId = duplicate });
        await app.Host.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));

        var before = await Snapshot();
        before.Rows.ShouldContain($"({moved},{survivor},40");
        before.Rows.ShouldContain($"({kept},{survivor},12.5");
        before.Rows.ShouldNotContain(voided.ToString());

        // Wrong in every way a table can be: a fact and its row changed, a fact gone (its row with it through the
        // trigger), a row changed behind its fact, and a fact no event wrote.
        await Scalar($"update {Documents} set data = jsonb_set(data, '{{amount}}', '1') where id = '{kept}'");
        await Scalar($"delete from {Documents} where id = '{moved}'");
        await Scalar($"update {AnalyticsSchema.PurchaseFacts} set product = 'Tampered' where purchase_id = (select id from {Documents} order by id limit 1)");
        var stray = Guid.NewGuid();
        await using (var session = app.Store.LightweightSession())
        {
            session.Store(new PurchaseFact { Id = stray, CustomerId = survivor, Amount = 99m, Currency = "EUR", Product = "Stray", Category = "None" });
            await session.SaveChangesAsync();
        }
        (await Scalar($"select count(*) from {AnalyticsSchema.PurchaseFacts} where purchase_id = '{stray}'")).ShouldBe(1L);
        (await Snapshot()).ShouldNotBe(before);

        var rebuilt = await app.Host.Services.GetRequiredService<RebuildProjections>().Rebuild(["PurchaseFact"], CancellationToken.None);

        rebuilt.Single().Written.ShouldBeGreaterThanOrEqualTo(5);
        var after = await Snapshot();
        after.Documents.ShouldBe(before.Documents);
        after.Rows.ShouldBe(before.Rows);
    }

    [Fact]
    public async Task the_daemon_goes_on_keeping_the_rows_one_by_one_after_a_rebuild()
    {
        var customer = await app.Register(AppFixture.NewEmail("facts"));
        await Buy(customer, 1, 3m, "Tea");
        await app.Host.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));
        await app.Host.Services.GetRequiredService<RebuildProjections>().Rebuild(["PurchaseFact"], CancellationToken.None);

        var later = await Buy(customer, 2, 4m, "Coffee");
        await app.Host.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));

        (await Scalar($"select product from {AnalyticsSchema.PurchaseFacts} where purchase_id = '{later}'")).ShouldBe("Coffee");
        (await Scalar($"select count(*) from {AnalyticsSchema.PurchaseFacts} where customer_id = '{customer}'")).ShouldBe(2L);
    }

    [Fact]
    public async Task rebuilding_the_profiles_in_place_brings_their_customer_facts_back()
    {
        await ReferenceCustomers.In(app);
        const string facts = "select coalesce(string_agg(f::text, E'\\n' order by customer_id), '') from analytics.customer_facts f";
        var before = (string)(await Scalar(facts))!;
        var profiles = app.Names.Table<CustomerProfile>();
        // A profile changed (its row follows through the trigger) and a row changed behind its profile.
        await Scalar($"update {profiles} set data = jsonb_set(data, '{{country}}', '\"XX\"') where id = (select customer_id from analytics.customer_facts order by customer_id limit 1)");
        await Scalar("update analytics.customer_facts set owner = 'nobody' where customer_id = (select customer_id from analytics.customer_facts order by customer_id desc limit 1)");
        ((string)(await Scalar(facts))!).ShouldNotBe(before);

        await app.Host.Services.GetRequiredService<RebuildProjections>().Run(["CustomerProfile"], CancellationToken.None);

        ((string)(await Scalar(facts))!).ShouldBe(before);
        before.ShouldNotBeEmpty();
    }
}
