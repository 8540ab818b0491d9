using System.Text.Json;
using EventCrm.Infrastructure.Security;
using EventCrm.Tests.Customers;
using Marten.Events;

namespace EventCrm.Tests.Sales;

/// <summary>
/// The reports read an asynchronous projection, so each test waits until the daemon has caught up. Each test
/// works with a seller of its own and reads the reports for that seller only, against figures worked out by
/// hand.
/// </summary>
[Collection(AppCollection.Name)]
public class when_sales_reports_are_read(AppFixture app)
{
    private Task CaughtUp() => app.Host.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));

    private static Dictionary<string, JsonElement> ByStage(JsonElement report) =>
        report.GetProperty("stages").EnumerateArray().ToDictionary(r => $"{r.GetProperty("stage").GetString()}/{r.GetProperty("currency").GetString()}");

    /// <summary>
    /// Seller's book: A 1,000 EUR in prospecting; B 2,000 EUR moved to proposal; C 4,000 EUR in negotiation, won
    /// at 5,000; D 800 EUR lost from qualification; E 3,000 USD in qualification.
    /// </summary>
    private async Task<(string Seller, Guid Customer)> Book()
    {
        var seller = SalesApi.NewSeller();
        var customer = await app.Register(AppFixture.NewEmail());
        await app.OpenOpportunity(customer, seller, 1000m, closeInDays: 10);
        var b = await app.OpenOpportunity(customer, seller, 2000m, closeInDays: 20);
        await app.Succeed("opportunities", b, "stage", new { version = 1, stage = "qualification" }, seller);
        await app.Succeed("opportunities", b, "stage", new { version = 2, stage = "proposal" }, seller);
        var c = await app.OpenOpportunity(customer, seller, 4000m, closeInDays: 5);
        await app.Succeed("opportunities", c, "stage", new { version = 1, stage = "qualification" }, seller);
        await app.Succeed("opportunities", c, "stage", new { version = 2, stage = "proposal" }, seller);
        await app.Succeed("opportunities", c, "stage", new { version = 3, stage = "negotiation" }, seller);
        await app.Succeed("opportunities", c, "win", new { version = 4, amount = 5000m }, seller);
        var d = await app.OpenOpportunity(customer, seller, 800m, closeInDays: 15);
        await app.Succeed("opportunities", d, "stage", new { version = 1, stage = "qualification" }, seller);
        await app.Succeed("opportunities", d, "lose", new { version = 2, reason = "price" }, seller);
        var e = await app.OpenOpportunity(customer, seller, 3000m, "USD", closeInDays: 200);
        await app.Succeed("opportunities", e, "stage", new { version = 1, stage = "qualification" }, seller);
        await CaughtUp();
        return (seller, customer);
    }

    [Fact]
    public async Task the_pipeline_gives_count_total_and_weighted_amount_per_stage()
    {
        var (seller, _) = await Book();

        var stages = ByStage(await app.Get($"/api/reports/pipeline?owner={seller}", Roles.Analyst));

        stages.Keys.ShouldBe(["prospecting/EUR", "qualification/USD", "proposal/EUR", "won/EUR", "lost/EUR"], ignoreOrder: true);
        void Row(string key, int count, decimal total, decimal weighted)
        {
            stages[key].GetProperty("count").GetInt32().ShouldBe(count, key);
            stages[key].GetProperty("total").GetDecimal().ShouldBe(total, key);
            stages[key].GetProperty("weighted").GetDecimal().ShouldBe(weighted, key);
        }
        Row("prospecting/EUR", 1, 1000m, 100m);
        Row("qualification/USD", 1, 3000m, 750m);
        Row("proposal/EUR", 1, 2000m, 1000m);
        Row("won/EUR", 1, 5000m, 5000m);
        Row("lost/EUR", 1, 800m, 0m);
    }

    [Fact]
    public async Task the_pipeline_as_of_a_past_moment_answers_from_the_stage_history()
    {
        var seller = SalesApi.NewSeller();
        var customer = await app.Register(AppFixture.NewEmail());
        var a = await app.OpenOpportunity(customer, seller, 1000m);
        var b = await app.OpenOpportunity(customer, seller, 500m);
        await app.Succeed("opportunities", a, "stage", new { version = 1, stage = "qualification" }, seller);
        var middle = DateTimeOffset.UtcNow;
        await Task.Delay(20);
        await app.Succeed("opportunities", a, "stage", new { version = 2, stage = "proposal" }, seller);
        await app.Succeed("opportunities", a, "amount", new { version = 3, amount = 1800m }, seller);
        await app.Succeed("opportunities", b, "lose", new { version = 1, reason = "gone" }, seller);
        await CaughtUp();

        var then = ByStage(await app.Get($"/api/reports/pipeline?owner={seller}&asOf={Uri.EscapeDataString(middle.ToString("O"))}"));
        then.Keys.ShouldBe(["prospecting/EUR", "qualification/EUR"], ignoreOrder: true);
        then["qualification/EUR"].GetProperty("total").GetDecimal().ShouldBe(1000m);
        then["prospecting/EUR"].GetProperty("total").GetDecimal().ShouldBe(500m);

        var now = ByStage(await app.Get($"/api/reports/pipeline?owner={seller}"));
        now.Keys.ShouldBe(["proposal/EUR", "lost/EUR"], ignoreOrder: true);
        now["proposal/EUR"].GetProperty("total").GetDecimal().ShouldBe(1800m);

        var before = ByStage(await app.Get($"/api/reports/pipeline?owner={seller}&asOf={Uri.EscapeDataString(middle.AddHours(-1).ToString("O"))}"));
        before.ShouldBeEmpty();
    }

    [Fact]
    public async Task the_funnel_gives_stage_conversion_win_rate_and_cycle_per_owner()
    {
        var (seller, _) = await Book();

        var row = (await app.Get("/api/reports/funnel?by=owner")).GetProperty("rows").EnumerateArray()
            .Single(r => r.GetProperty("key").GetString() == seller);

        // Opened 5; reached qualification B, C, D, E = 4; proposal B, C = 2; negotiation C = 1; won 1, lost 1.
        row.GetProperty("opened").GetInt32().ShouldBe(5);
        row.GetProperty("reachedQualification").GetInt32().ShouldBe(4);
        row.GetProperty("reachedProposal").GetInt32().ShouldBe(2);
        row.GetProperty("reachedNegotiation").GetInt32().ShouldBe(1);
        row.GetProperty("won").GetInt32().ShouldBe(1);
        row.GetProperty("lost").GetInt32().ShouldBe(1);
        row.GetProperty("open").GetInt32().ShouldBe(3);
        row.GetProperty("qualificationRate").GetDecimal().ShouldBe(0.8m);
        row.GetProperty("proposalRate").GetDecimal().ShouldBe(0.5m);
        row.GetProperty("negotiationRate").GetDecimal().ShouldBe(0.5m);
        row.GetProperty("winRate").GetDecimal().ShouldBe(0.5m);
        row.GetProperty("averageSalesCycleDays").GetDecimal().ShouldBe(0m); // won the day it was opened
    }

    [Fact]
    public async Task the_forecast_weights_open_deals_closing_in_the_period_and_adds_what_was_won()
    {
        var (seller, _) = await Book();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);

        var report = await app.Get($"/api/reports/forecast?owner={seller}&from={today:yyyy-MM-dd}&to={today.AddDays(60):yyyy-MM-dd}&weighting=stages");

        // Open and closing within 60 days: A 1,000 (prospecting, 10%) and B 2,000 (proposal, 50%); E closes later.
        var eur = report.GetProperty("currencies").EnumerateArray().ShouldHaveSingleItem();
        eur.GetProperty("currency").GetString().ShouldBe("EUR");
        eur.GetProperty("openCount").GetInt32().ShouldBe(2);
        eur.GetProperty("pipeline").GetDecimal().ShouldBe(3000m);
        eur.GetProperty("expected").GetDecimal().ShouldBe(1100m);
        eur.GetProperty("wonCount").GetInt32().ShouldBe(1);
        eur.GetProperty("won").GetDecimal().ShouldBe(5000m);
    }

    [Fact]
    public async Task a_forecast_needs_its_period_and_a_funnel_a_known_grouping()
    {
        var missing = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("ann", Roles.Analyst));
            s.Get.Url("/api/reports/forecast?from=2026-12-01");
            s.IgnoreStatusCode();
        });
        (await missing.ShouldBeProblem(400)).GetProperty("errors").TryGetProperty("to", out _).ShouldBeTrue();

        var grouping = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("ann", Roles.Analyst));
            s.Get.Url("/api/reports/funnel?by=colour");
            s.IgnoreStatusCode();
        });
        await grouping.ShouldBeProblem(400);
    }
}
