using Marten.Events;
using System.Globalization;
using EventCrm.Sales;
using EventCrm.Tests.Customers;
using EventCrm.Tests.Sales;
using EventCrm.Tests.Service;
using Microsoft.Extensions.DependencyInjection;

namespace EventCrm.Tests.Analytics;

[Collection(AppCollection.Name)]
public class when_pipeline_and_service_are_broken_down(AppFixture app)
{
    private Task CaughtUp() => app.Host.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));

    [Fact]
    public async Task a_sellers_row_has_open_weighted_won_and_lost_figures_and_a_win_rate()
    {
        var seller = SalesApi.NewSeller();
        var customer = await app.Register(AppFixture.NewEmail());
        await app.OpenOpportunity(customer, seller, 1000m);
        var proposal = await app.OpenOpportunity(customer, seller, 2000m);
        await app.Succeed("opportunities", proposal, "stage", new { version = 1, stage = "qualification" }, seller);
        await app.Succeed("opportunities", proposal, "stage", new { version = 2, stage = "proposal" }, seller);
        var won = await app.OpenOpportunity(customer, seller, 4000m);
        await app.Succeed("opportunities", won, "stage", new { version = 1, stage = "qualification" }, seller);
        await app.Succeed("opportunities", won, "stage", new { version = 2, stage = "proposal" }, seller);
        await app.Succeed("opportunities", won, "win", new { version = 3, amount = 4500m }, seller);
        var lost = await app.OpenOpportunity(customer, seller, 800m);
        await app.Succeed("opportunities", lost, "lose", new { version = 1, reason = "Budget cut" }, seller);
        await CaughtUp();

        var body = await app.AnalyticsJson("/api/analytics/opportunities/breakdown?by=owner");

        var row = body.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("key").GetString() == seller);
        var rules = app.Host.Services.GetRequiredService<SalesRules>();
        row.GetProperty("open").GetInt64().ShouldBe(2);
        row.GetProperty("openAmount").GetDecimal().ShouldBe(3000m);
        row.GetProperty("weightedAmount").GetDecimal()
            .ShouldBe(1000m * rules.Probability(OpportunityStage.Prospecting) + 2000m * rules.Probability(OpportunityStage.Proposal));
        row.GetProperty("won").GetInt64().ShouldBe(1);
        row.GetProperty("wonAmount").GetDecimal().ShouldBe(4500m);
        row.GetProperty("lost").GetInt64().ShouldBe(1);
        row.GetProperty("winRate").GetDecimal().ShouldBe(0.5m);
    }

    [Fact]
    public async Task by_stage_the_rows_follow_the_pipeline_and_the_chart_is_of_the_open_stages()
    {
        var customer = await app.Register(AppFixture.NewEmail());
        await app.OpenOpportunity(customer, SalesApi.NewSeller(), 1234m);
        await CaughtUp();

        var body = await app.AnalyticsJson("/api/analytics/opportunities/breakdown?by=stage");

        var stages = body.GetProperty("rows").EnumerateArray().Select(r => Enum.Parse<OpportunityStage>(r.GetProperty("key").GetString()!, true)).ToList();
        stages.ShouldBe(stages.Order());
        stages.ShouldContain(OpportunityStage.Prospecting);
        await (await app.Analytics("/api/analytics/opportunities/breakdown?by=stage", "image/svg+xml")).ShouldBeSvg("Open pipeline by stage (EUR)");
    }

    [Fact]
    public async Task tickets_per_month_count_openings_resolutions_breaches_complaints_and_satisfaction()
    {
        var channel = "ch" + Guid.NewGuid().ToString("N")[..12];
        var customer = await app.Register(AppFixture.NewEmail());
        var rated = await app.OpenTicket(customer, "complaint", channel: channel);
        var alsoRated = await app.OpenTicket(customer, "inquiry", channel: channel);
        await app.OpenTicket(customer, "inquiry", channel: channel);
        foreach (var (ticket, score) in new[] { (rated, 5), (alsoRated, 2) })
        {
            var version = await app.TicketSucceeds(ticket, "resolve", new { version = (await app.TicketView(ticket)).GetProperty("version").GetInt32(), resolution = "Done" });
            await app.TicketSucceeds(ticket, "satisfaction", new { version, score });
        }
        await CaughtUp();

        var body = await app.AnalyticsJson($"/api/analytics/tickets/monthly?channel={channel}");

        var months = body.GetProperty("months").EnumerateArray().ToList();
        months.Count.ShouldBe(12);
        var now = months[^1];
        now.GetProperty("month").GetString().ShouldBe(app.Clock.GetUtcNow().ToString("yyyy-MM", CultureInfo.InvariantCulture));
        now.GetProperty("opened").GetInt64().ShouldBe(3);
        now.GetProperty("resolved").GetInt64().ShouldBe(2);
        now.GetProperty("breached").GetInt64().ShouldBe(0);
        now.GetProperty("complaints").GetInt64().ShouldBe(1);
        now.GetProperty("rated").GetInt64().ShouldBe(2);
        now.GetProperty("satisfaction").GetDouble().ShouldBe(3.5);
        months.Take(11).ShouldAllBe(m => m.GetProperty("opened").GetInt64() == 0 && m.GetProperty("satisfaction").ValueKind == System.Text.Json.JsonValueKind.Null);

        var complaints = await app.AnalyticsJson($"/api/analytics/tickets/monthly?channel={channel}&kind=complaint");
        complaints.GetProperty("months")[11].GetProperty("opened").GetInt64().ShouldBe(1);
        await (await app.Analytics($"/api/analytics/tickets/monthly?channel={channel}", "image/png")).ShouldBePng();
    }
}
