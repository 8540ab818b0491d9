using System.Text.Json;
using EventCrm.Infrastructure.Security;
using EventCrm.Tests.Imports;
using EventCrm.Tests.Marketing;

namespace EventCrm.Tests.Analytics;

/// <summary>
/// A campaign sent through real SMTP to 24 customers, half held out; purchases, clicks, a voided purchase, one in
/// another currency and one before the send are scripted over HTTP, and the lift is read back and compared with the
/// independent reference for its 2×2 table (Reference/lift, first case).
/// </summary>
[Collection(AppCollection.Name)]
public class when_a_campaigns_lift_is_measured(AppFixture app)
{
    [Fact]
    public async Task the_treated_and_the_holdout_are_compared_within_the_window_after_their_assignment()
    {
        var customers = new List<(Guid Id, string Email)>();
        for (var i = 0; i < 24; i++) customers.Add(await app.Customer($"Lift Member{i}"));
        var (campaign, version) = await app.EmailCampaign(await app.StaticAudience(customers.Select(c => c.Id)), holdout: 0.5);
        await app.Ok($"/api/marketing/campaigns/{campaign}/schedule", new { version });
        await app.WaitForStatus(campaign, "completed");

        var frozen = (await StoredEvents.Of(app, campaign)).Single(e => e.Type == "audience_frozen").Data;
        var held = (await StoredEvents.Of(app, frozen.GetProperty("recipientsStream").GetGuid()))
            .Where(b => b.Data.GetProperty("group").GetString() == "Holdout")
            .SelectMany(b => b.Data.GetProperty("customers").EnumerateArray().Select(c => c.GetGuid())).ToHashSet();
        var holdout = customers.Where(c => held.Contains(c.Id)).ToList();
        var treated = customers.Where(c => !held.Contains(c.Id)).ToList();
        (holdout.Count, treated.Count).ShouldBe((12, 12));

        // Four treated click (three of them buy); eight treated buy, one of them twice; five of the holdout buy.
        foreach (var (_, email) in treated.Take(4))
            (await app.Public(HttpMethod.Get, $"/mail/click/{AppFixture.Mail.To(email).Single().Link("click")}")).Context.Response.StatusCode.ShouldBe(302);
        foreach (var (id, _) in treated.Take(3).Concat(treated.Skip(4).Take(5))) await app.Buy(id, 100m);
        await app.Buy(treated[4].Id, 100m);
        foreach (var (id, _) in holdout.Take(5)) await app.Buy(id, 100m);
        // None of these is a conversion: voided, in dollars, before the campaign reached anyone.
        await app.Void(treated[9].Id, await app.Buy(treated[9].Id, 250m));
        await app.Buy(treated[10].Id, 300m, "USD");
        await app.Buy(holdout[6].Id, 400m, at: DateTimeOffset.UtcNow.AddDays(-2));

        await app.CaughtUp(); // the touch facts are kept asynchronously
        var lift = await app.Read($"/api/analytics/campaigns/{campaign}/lift?windowDays=30", Roles.Analyst);
        var reference = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Analytics", "Reference", "lift", "reference.json")))
            .RootElement.GetProperty("cases")[0];
        reference.GetProperty("name").GetString().ShouldBe("scripted campaign (the HTTP test)");
        var expected = reference.GetProperty("test");

        lift.GetProperty("population").GetInt64().ShouldBe(24);
        lift.GetProperty("notYetAssigned").GetInt64().ShouldBe(0);
        lift.GetProperty("currency").GetString().ShouldBe("EUR");
        Group(lift.GetProperty("treated")).ShouldBe((12, 8, 900m));
        Group(lift.GetProperty("holdout")).ShouldBe((12, 5, 500m));
        Close(lift.GetProperty("treated").GetProperty("rate"), expected, "treatedRate");
        Close(lift.GetProperty("holdout").GetProperty("rate"), expected, "holdoutRate");
        foreach (var figure in new[] { "uplift", "relativeLift", "z", "pValue" }) Close(lift.GetProperty(figure), expected, figure);
        Close(lift.GetProperty("interval").GetProperty("low"), expected, "low");
        Close(lift.GetProperty("interval").GetProperty("high"), expected, "high");
        lift.GetProperty("interval").GetProperty("level").GetDouble().ShouldBe(0.95);
        // Four treated did not convert: a cell under 5, so the numbers come without a verdict.
        lift.GetProperty("significant").ValueKind.ShouldBe(JsonValueKind.Null);
        lift.GetProperty("reason").GetString()!.ShouldContain("holds 4, under 5");
        lift.GetProperty("incrementalRevenue").GetDecimal().ShouldBe(400m); // 900 − 500 × 12 / 12

        var rules = lift.GetProperty("rules").EnumerateArray().ToDictionary(r => r.GetProperty("antecedent").GetString()!);
        (rules["touched"].GetProperty("withAntecedent").GetInt64(), rules["touched"].GetProperty("withBoth").GetInt64()).ShouldBe((12, 8));
        (rules["clicked"].GetProperty("withAntecedent").GetInt64(), rules["clicked"].GetProperty("withBoth").GetInt64()).ShouldBe((4, 3));
        foreach (var name in new[] { "touched", "clicked" })
            foreach (var figure in new[] { "support", "confidence", "lift" })
                Close(rules[name].GetProperty(figure), reference.GetProperty(name), figure);

        var csv = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("ann", Roles.Analyst));
            s.Get.Url($"/api/analytics/campaigns/{campaign}/lift");
            s.WithRequestHeader("Accept", "text/csv");
        });
        var lines = (await csv.ReadAsTextAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        lines[0].ShouldBe("figure,value");
        lines.ShouldContain("treatedConverted,8");
        lines.ShouldContain("incrementalRevenue,400");

        // The chart: the two rates and the uplift with its interval, and the verdict (here: why there is none).
        async Task<Alba.IScenarioResult> Chart(string accept) => await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("ann", Roles.Analyst));
            s.Get.Url($"/api/analytics/campaigns/{campaign}/lift");
            s.WithRequestHeader("Accept", accept);
        });
        await (await Chart("image/png")).ShouldBePng();
        var svg = (await (await Chart("image/svg+xml")).ShouldBeSvg("conversion within 30 days")).Texts();
        svg.ShouldContain("treated");
        svg.ShouldContain("holdout");
        svg.ShouldContain("uplift");
        svg.ShouldContain(t => t.StartsWith("uplift with its 95") && t.Contains("holds 4, under 5"));
    }

    [Fact]
    public async Task a_window_out_of_range_an_unknown_campaign_and_the_wrong_role_are_refused()
    {
        var (campaign, _) = await app.EmailCampaign(await app.StaticAudience([(await app.Customer("Lift Draft")).Id]));
        var problem = await (await app.Send(HttpMethod.Get, $"/api/analytics/campaigns/{campaign}/lift?windowDays=0")).ShouldBeProblem(400);
        problem.GetProperty("errors").GetProperty("windowDays")[0].GetString().ShouldBe("'windowDays' is a whole number of days from 1 to 365.");
        (await (await app.Send(HttpMethod.Get, $"/api/analytics/campaigns/{campaign}/lift")).ShouldBeProblem(422))
            .GetProperty("title").GetString().ShouldBe("The campaign has no frozen audience.");
        await (await app.Send(HttpMethod.Get, $"/api/analytics/campaigns/{Guid.NewGuid()}/lift")).ShouldBeProblem(404);
        await (await app.Send(HttpMethod.Get, $"/api/analytics/campaigns/{campaign}/lift", role: Roles.Sales)).ShouldBeProblem(403);
    }

    private static (long, long, decimal) Group(JsonElement group) =>
        (group.GetProperty("members").GetInt64(), group.GetProperty("converted").GetInt64(), group.GetProperty("revenue").GetDecimal());

    private static void Close(JsonElement actual, JsonElement expected, string member) =>
        Math.Abs(actual.GetDouble() - expected.GetProperty(member).GetDouble()).ShouldBeLessThanOrEqualTo(1e-9, member);
}
