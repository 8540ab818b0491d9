using System.Collections.Concurrent;
using Alba;
using EventCrm.Customers;
using EventCrm.Infrastructure.Projections;
using EventCrm.Infrastructure.Security;
using EventCrm.Tests.Customers;
using EventCrm.Tests.Sales;
using Marten;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventCrm.Tests.Infrastructure;

[Collection(AppCollection.Name)]
public class when_projections_are_rebuilt_while_serving(AppFixture app)
{
    private Task<IScenarioResult> Read(Guid id) => app.Host.Scenario(s =>
    {
        s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
        s.Get.Url($"/api/customers/{id}");
        s.IgnoreStatusCode();
    });

    private async Task<long> Count(string table)
    {
        await using var command = app.Host.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand($"select count(*) from {table}");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task no_profile_or_fact_is_ever_missing_and_purchases_made_meanwhile_count_once()
    {
        var customers = new List<Guid>();
        for (var i = 0; i < 20; i++)
            customers.Add(await app.RegisterWith(new { name = $"Served {i}", email = AppFixture.NewEmail("served"), country = "DE" }));
        var facts = await Count("analytics.customer_facts");

        var rebuild = Task.Run(() => app.Host.Services.GetRequiredService<RebuildProjections>()
            .Run([.. RebuildProjections.Names(app.Store)], CancellationToken.None));

        var missing = new ConcurrentBag<string>();
        var purchases = 0;
        var emptyFacts = false;
        while (!rebuild.IsCompleted)
        {
            foreach (var id in customers)
            {
                var read = await Read(id);
                if (read.Context.Response.StatusCode != 200) missing.Add($"{id}: {read.Context.Response.StatusCode}");
                else if ((await read.Body()).GetProperty("email").GetString() is null) missing.Add($"{id}: no e-mail");
            }
            if (await Count("analytics.customer_facts") < facts) emptyFacts = true;
            var buyer = customers[purchases % customers.Count];
            var version = (await (await Read(buyer)).Body()).GetProperty("version").GetInt32();
            var bought = await app.Host.Scenario(s =>
            {
                s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
                s.Post.Json(new { version, amount = 10m, currency = "EUR", product = "Tea", category = "Food" }).ToUrl($"/api/customers/{buyer}/purchases");
                s.IgnoreStatusCode();
            });
            if (bought.Context.Response.StatusCode is 200 or 201) purchases++;
        }
        await rebuild;

        missing.ShouldBeEmpty();
        emptyFacts.ShouldBeFalse("analysts saw fewer customer facts during the rebuild");
        await using var session = app.Store.QuerySession();
        foreach (var id in customers)
        {
            var stored = await session.LoadAsync<CustomerProfile>(id);
            var fromEvents = await session.Events.AggregateStreamAsync<CustomerProfile>(id);
            stored.ShouldNotBeNull().PurchaseCount.ShouldBe(fromEvents.ShouldNotBeNull().PurchaseCount);
            stored.TotalSpent.ShouldBe(fromEvents.TotalSpent);
        }
        purchases.ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task an_asynchronous_view_rebuilt_while_the_daemon_applies_new_events_takes_each_event_once()
    {
        var customer = await app.RegisterWith(new { name = "Piped Customer", email = AppFixture.NewEmail("piped") });
        var deals = new List<Guid>();
        for (var i = 0; i < 15; i++) deals.Add(await app.OpenOpportunity(customer, "sam", 1000m + i));
        var versions = deals.ToDictionary(d => d, _ => 1);

        // Amounts change on every deal, round after round, while the pipeline view is rebuilt again and again:
        // the daemon applies the new events as the rebuild writes what the older ones say.
        for (var round = 0; round < 4; round++)
        {
            var rebuild = Task.Run(() => app.Host.Services.GetRequiredService<RebuildProjections>().Run(["SalesPipelineEntry"], CancellationToken.None));
            foreach (var deal in deals)
            {
                var changed = await app.Post("opportunities", deal, "amount", new { version = versions[deal], amount = 2000m + 10 * round + versions[deal] });
                changed.Context.Response.StatusCode.ShouldBe(200, await changed.ReadAsTextAsync());
                versions[deal]++;
            }
            await rebuild;
        }
        await app.Host.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));

        await using var session = app.Store.QuerySession();
        foreach (var deal in deals)
        {
            var stored = await session.LoadAsync<EventCrm.Sales.SalesPipelineEntry>(deal);
            var fromEvents = await session.Events.AggregateStreamAsync<EventCrm.Sales.SalesPipelineEntry>(deal);
            stored.ShouldNotBeNull().Periods.Count.ShouldBe(fromEvents.ShouldNotBeNull().Periods.Count, $"deal {deal}");
            System.Text.Json.JsonSerializer.Serialize(stored).ShouldBe(System.Text.Json.JsonSerializer.Serialize(fromEvents));
        }
    }

    [Fact]
    public async Task an_inline_projection_into_rows_is_replayed_over_every_event_there_is()
    {
        var members = new List<Guid>();
        for (var i = 0; i < 3; i++) members.Add((await EventCrm.Tests.Marketing.MarketingApi.Customer(app, $"Member {i}")).Id);
        var audience = await EventCrm.Tests.Marketing.MarketingApi.StaticAudience(app, members);
        var database = app.Host.Services.GetRequiredService<NpgsqlDataSource>();
        async Task<string?> Rows()
        {
            await using var command = database.CreateCommand(
                $"select string_agg(t::text, E'\\n' order by customer_id) from {EventCrm.Marketing.AudienceMembership.Members} t where audience_id = $1");
            command.Parameters.AddWithValue(audience);
            return await command.ExecuteScalarAsync() as string;
        }
        var before = await Rows();
        before.ShouldNotBeNull().Split('\n').Length.ShouldBe(3);

        // As a store brought in from elsewhere has them: the events, and none of the rows an inline projection writes.
        await using (var delete = database.CreateCommand($"delete from {EventCrm.Marketing.AudienceMembership.Members} where audience_id = $1"))
        {
            delete.Parameters.AddWithValue(audience);
            (await delete.ExecuteNonQueryAsync()).ShouldBe(3);
        }
        await app.Host.Services.GetRequiredService<RebuildProjections>().Run(["AudienceMembership"], CancellationToken.None);

        (await Rows()).ShouldBe(before);
    }

    [Fact]
    public async Task an_email_stays_taken_while_its_customers_profile_is_missing()
    {
        var email = AppFixture.NewEmail("claimed");
        var first = await app.Register(email, name: "First Holder");
        await using (var session = app.Store.LightweightSession())
        {
            // What a rebuild that tears the read model down did to a profile until it reached its stream.
            session.Delete<CustomerProfile>(first);
            await session.SaveChangesAsync();
        }

        var second = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Post.Json(new { name = "Second Holder", email }).ToUrl("/api/customers");
            s.IgnoreStatusCode();
        });

        var problem = await second.ShouldBeProblem(422, "urn:eventcrm:problem:rule-violation");
        problem.GetProperty("existingCustomerId").GetGuid().ShouldBe(first);

        await app.Host.Services.GetRequiredService<RebuildProjections>().Run(["CustomerProfile"], CancellationToken.None);
        (await Read(first)).Context.Response.StatusCode.ShouldBe(200);
    }
}
