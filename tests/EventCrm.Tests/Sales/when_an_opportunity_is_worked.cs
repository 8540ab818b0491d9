using EventCrm.Infrastructure.Security;
using EventCrm.Sales;
using EventCrm.Tests.Customers;
using Marten;

namespace EventCrm.Tests.Sales;

[Collection(AppCollection.Name)]
public class when_an_opportunity_is_worked(AppFixture app)
{
    private async Task<(Guid Customer, Guid Opportunity, string Owner)> NewOpportunity(decimal amount = 1000m)
    {
        var owner = SalesApi.NewSeller();
        var customer = await app.Register(AppFixture.NewEmail());
        return (customer, await app.OpenOpportunity(customer, owner, amount), owner);
    }

    [Fact]
    public async Task it_opens_in_prospecting_owned_by_whoever_opened_it()
    {
        var (customer, id, owner) = await NewOpportunity();

        var view = await app.Get($"/api/opportunities/{id}");
        view.GetProperty("stage").GetString().ShouldBe("prospecting");
        view.GetProperty("owner").GetString().ShouldBe(owner);
        view.GetProperty("customerId").GetGuid().ShouldBe(customer);
        view.GetProperty("isOpen").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task it_moves_one_stage_at_a_time_and_records_each_stage()
    {
        var (_, id, owner) = await NewOpportunity();

        await app.Succeed("opportunities", id, "stage", new { version = 1, stage = "qualification" }, owner);
        await app.Succeed("opportunities", id, "stage", new { version = 2, stage = "proposal" }, owner);
        await app.Succeed("opportunities", id, "stage", new { version = 3, stage = "qualification" }, owner);

        var view = await app.Get($"/api/opportunities/{id}");
        view.GetProperty("stage").GetString().ShouldBe("qualification");
        view.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("stage").GetString())
            .ShouldBe(["prospecting", "qualification", "proposal", "qualification"]);
    }

    [Theory]
    [InlineData("proposal")]
    [InlineData("negotiation")]
    [InlineData("won")]
    [InlineData("lost")]
    public async Task a_move_the_rules_do_not_allow_is_a_422_and_changes_nothing(string stage)
    {
        var (_, id, owner) = await NewOpportunity();

        await (await app.Post("opportunities", id, "stage", new { version = 1, stage }, owner)).ShouldBeProblem(422);

        (await app.Get($"/api/opportunities/{id}")).GetProperty("version").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task only_its_owner_or_an_admin_changes_it()
    {
        var (_, id, owner) = await NewOpportunity();

        var other = await app.Post("opportunities", id, "amount", new { version = 1, amount = 5 }, "another-seller");
        (await other.ShouldBeProblem(403, Ownership.NotOwnerType)).GetProperty("detail").GetString().ShouldNotBeNull().ShouldContain(owner);

        await app.Succeed("opportunities", id, "amount", new { version = 1, amount = 1500 }, owner);
        (await app.Post("opportunities", id, "amount", new { version = 2, amount = 1700 }, "root", Roles.Admin))
            .Context.Response.StatusCode.ShouldBe(200);
        (await app.Get($"/api/opportunities/{id}")).GetProperty("amount").GetDecimal().ShouldBe(1700m);
    }

    [Fact]
    public async Task a_sales_user_cannot_open_one_for_someone_else()
    {
        var customer = await app.Register(AppFixture.NewEmail());
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Post.Json(new { customerId = customer, title = "Theirs", amount = 1, currency = "EUR", expectedCloseDate = SalesApi.CloseDate(), owner = "pat" })
                .ToUrl("/api/opportunities");
            s.IgnoreStatusCode();
        });
        await result.ShouldBeProblem(403);
    }

    [Fact]
    public async Task stale_versions_are_409_and_concurrent_moves_let_one_through()
    {
        var (_, id, owner) = await NewOpportunity();
        await app.Succeed("opportunities", id, "close-date", new { version = 1, expectedCloseDate = SalesApi.CloseDate(60) }, owner);

        await (await app.Post("opportunities", id, "stage", new { version = 1, stage = "qualification" }, owner)).ShouldBeProblem(409);

        var racers = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ =>
            app.Post("opportunities", id, "amount", new { version = 2, amount = 777 }, owner)));
        racers.Count(r => r.Context.Response.StatusCode == 200).ShouldBe(1);
        racers.Count(r => r.Context.Response.StatusCode == 409).ShouldBe(4);
    }

    [Fact]
    public async Task opening_for_an_unknown_customer_is_a_404_and_bad_fields_a_400()
    {
        var missing = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Post.Json(new { customerId = Guid.NewGuid(), title = "Ghost", amount = 1, currency = "EUR", expectedCloseDate = SalesApi.CloseDate() })
                .ToUrl("/api/opportunities");
            s.IgnoreStatusCode();
        });
        await missing.ShouldBeProblem(404);

        var bad = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Post.Json(new { customerId = Guid.NewGuid(), title = "", amount = 0, currency = "XXX", expectedCloseDate = "2020-01-01" })
                .ToUrl("/api/opportunities");
            s.IgnoreStatusCode();
        });
        var errors = (await bad.ShouldBeProblem(400)).GetProperty("errors");
        foreach (var field in new[] { "title", "amount", "currency", "expectedCloseDate" })
            errors.TryGetProperty(field, out _).ShouldBeTrue(field);
    }

    [Fact]
    public async Task winning_records_the_purchase_on_the_customer_and_is_final()
    {
        var (customer, id, owner) = await NewOpportunity(amount: 4000m);
        await app.Succeed("opportunities", id, "stage", new { version = 1, stage = "qualification" }, owner);
        await (await app.Post("opportunities", id, "win", new { version = 2 }, owner)).ShouldBeProblem(422);
        await app.Succeed("opportunities", id, "stage", new { version = 2, stage = "proposal" }, owner);

        var won = await app.ScenarioAndWait(s =>
        {
            s.WithBearerToken(app.TokenFor(owner, Roles.Sales));
            s.Post.Json(new { version = 3, amount = 4200m }).ToUrl($"/api/opportunities/{id}/win");
        });
        won.Context.Response.StatusCode.ShouldBe(200);

        var profile = await app.Profile(customer);
        profile.GetProperty("purchaseCount").GetInt32().ShouldBe(1);
        profile.GetProperty("totalSpent").GetDecimal().ShouldBe(4200m);
        await using var session = app.Store.QuerySession();
        var purchase = (await session.Events.FetchStreamAsync(customer)).Last();
        purchase.Data.ShouldBeOfType<EventCrm.Customers.PurchaseRecorded>().PurchaseId.ShouldBe(id);
        purchase.Headers!["source"].ToString().ShouldStartWith("message:");
        purchase.UserName.ShouldBe(owner);

        var view = await app.Get($"/api/opportunities/{id}");
        view.GetProperty("stage").GetString().ShouldBe("won");
        view.GetProperty("isOpen").GetBoolean().ShouldBeFalse();
        await (await app.Post("opportunities", id, "reopen", new { version = 4 }, owner)).ShouldBeProblem(422);
        await (await app.Post("opportunities", id, "amount", new { version = 4, amount = 1 }, owner)).ShouldBeProblem(422);
    }

    [Fact]
    public async Task a_lost_opportunity_needs_a_reason_and_reopens_where_it_was_lost()
    {
        var (_, id, owner) = await NewOpportunity();
        await app.Succeed("opportunities", id, "stage", new { version = 1, stage = "qualification" }, owner);

        await (await app.Post("opportunities", id, "lose", new { version = 2 }, owner)).ShouldBeProblem(400);
        await app.Succeed("opportunities", id, "lose", new { version = 2, reason = "went with a competitor" }, owner);
        (await app.Get($"/api/opportunities/{id}")).GetProperty("lossReason").GetString().ShouldBe("went with a competitor");
        await (await app.Post("opportunities", id, "lose", new { version = 3, reason = "again" }, owner)).ShouldBeProblem(422);

        await app.Succeed("opportunities", id, "reopen", new { version = 3 }, owner);
        var view = await app.Get($"/api/opportunities/{id}");
        view.GetProperty("stage").GetString().ShouldBe("qualification");
        view.GetProperty("isOpen").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task the_list_filters_by_stage_owner_close_date_and_amount()
    {
        var owner = SalesApi.NewSeller();
        var customer = await app.Register(AppFixture.NewEmail());
        var small = await app.OpenOpportunity(customer, owner, 100m, closeInDays: 10);
        var big = await app.OpenOpportunity(customer, owner, 9000m, closeInDays: 90);
        await app.Succeed("opportunities", big, "stage", new { version = 1, stage = "qualification" }, owner);

        List<Guid> Ids(System.Text.Json.JsonElement page) =>
            page.GetProperty("items").EnumerateArray().Select(o => o.GetProperty("id").GetGuid()).ToList();

        Ids(await app.Get($"/api/opportunities?owner={owner}")).ShouldBe([small, big]);
        Ids(await app.Get($"/api/opportunities?owner={owner}&stage=qualification")).ShouldBe([big]);
        Ids(await app.Get($"/api/opportunities?owner={owner}&minAmount=1000")).ShouldBe([big]);
        Ids(await app.Get($"/api/opportunities?owner={owner}&closeTo={SalesApi.CloseDate(30)}")).ShouldBe([small]);
        Ids(await app.Get($"/api/opportunities?customerId={customer}&closeFrom={SalesApi.CloseDate(30)}")).ShouldBe([big]);
    }

    [Fact]
    public async Task history_and_as_of_work_for_opportunities()
    {
        var (_, id, owner) = await NewOpportunity();
        await app.Succeed("opportunities", id, "stage", new { version = 1, stage = "qualification" }, owner);

        (await app.Get($"/api/opportunities/{id}/history", Roles.Auditor)).GetProperty("total").GetInt64().ShouldBe(2);
        (await app.Get($"/api/opportunities/{id}/as-of?version=1", Roles.Auditor)).GetProperty("stage").GetString().ShouldBe("prospecting");
    }
}
