using System.Globalization;
using System.Text.Json;
using EventCrm.Infrastructure.Security;
using EventCrm.Tests.Marketing;
using EventCrm.Analytics;
using EventCrm.Tests.Sales;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventCrm.Tests.Analytics;

/// <summary>
/// A scripted history over HTTP, in March 2025 business time (conversions at T): touches of three ads campaigns
/// reported with their times, purchases, a void, costs; every model's credits compared exactly with numbers worked out
/// by hand, then the same question as of a moment before later events, which change the answer exactly as they say.
/// </summary>
[Collection(AppCollection.Name)]
public class when_conversions_are_attributed_to_campaigns(AppFixture app)
{
    private static readonly DateTimeOffset T = new(2025, 3, 20, 12, 0, 0, TimeSpan.Zero);
    private const string Period = "from=2025-03-01&to=2025-03-31&lookbackDays=30&halfLifeDays=5";

    [Fact]
    public async Task every_model_shares_each_conversion_among_the_touches_in_its_look_back()
    {
        var (a, b, c) = (await app.AdsCampaign("Attribution A"), await app.AdsCampaign("Attribution B"), await app.AdsCampaign("Attribution C", "USD"));
        var solo = (await app.Customer("Solo Touch", consent: false)).Id;
        var pair = (await app.Customer("Pair Touch", consent: false)).Id;
        var five = (await app.Customer("Five Touch", consent: false)).Id;
        var outside = (await app.Customer("Outside Touch", consent: false)).Id;
        var voided = (await app.Customer("Voided Touch", consent: false)).Id;

        // One touch (and an impression, which attribution leaves out unless asked).
        await app.Touch(a, solo, "click", T.AddDays(-2));
        await app.Touch(c, solo, "impression", T.AddDays(-1));
        await app.Buy(solo, 120m, at: T);
        // Two touches, at two and one half-lives before (time-decay weights 1/4 and 1/2: shares 1/3 and 2/3).
        await app.Touch(a, pair, "visit", T.AddDays(-10), cost: 50m);
        await app.Touch(b, pair, "click", T.AddDays(-5));
        var pairPurchase = await app.Buy(pair, 300m, at: T);
        // Five touches, four, three, two, one and no half-lives before: weights 1/16 … 1, shares 1/31, 2/31, 4/31, 8/31, 16/31.
        await app.Touch(a, five, "click", T.AddDays(-20));
        await app.Touch(b, five, "visit", T.AddDays(-15));
        await app.Touch(c, five, "attended", T.AddDays(-10));
        await app.Touch(b, five, "reply", T.AddDays(-5));
        await app.Touch(a, five, "click", T);
        await app.Buy(five, 3100m, at: T);
        // A touch 40 days before (outside the 30-day look-back) and one after the purchase: no touch credits it.
        await app.Touch(c, outside, "click", T.AddDays(-40));
        await app.Touch(a, outside, "click", T.AddDays(1));
        await app.Buy(outside, 500m, at: T);
        // A voided purchase converts nothing.
        await app.Touch(b, voided, "click", T.AddDays(-1));
        await app.Void(voided, await app.Buy(voided, 700m, at: T));
        await app.Cost(a, 200m);
        await app.Cost(c, 80m);

        var all = await Compare();
        Credits(all, "first", a).ShouldBe((3, 3520m));
        // A campaign touched in a conversion's look-back is listed under every model, with nothing where the model gives it nothing.
        Credits(all, "first", b).ShouldBe((0, 0m));
        Credits(all, "first", c).ShouldBe((0, 0m));
        Credits(all, "last", a).ShouldBe((2, 3220m));
        Credits(all, "last", b).ShouldBe((1, 300m));
        Credits(all, "linear", a).ShouldBe((1.9, 1510m));        // 120 + 150 + 2 × 620
        Credits(all, "linear", b).ShouldBe((0.9, 1390m));        // 150 + 2 × 620
        Credits(all, "linear", c).ShouldBe((0.2, 620m));
        Credits(all, "position", a).ShouldBe((2.3, 2750m));      // 120 + 150 + 40 % + 40 % of 3100
        Credits(all, "position", b).ShouldBe((0.633333, 563.3333m)); // 150 + 2 × 20 %/3 of 3100
        Credits(all, "position", c).ShouldBe((0.066667, 206.6667m));
        Credits(all, "time-decay", a).ShouldBe((1.88172, 1920m)); // 120 + 300/3 + 3100 × 17/31
        Credits(all, "time-decay", b).ShouldBe((0.989247, 1200m)); // 300 × 2/3 + 3100 × 10/31
        Credits(all, "time-decay", c).ShouldBe((0.129032, 400m));  // 3100 × 4/31
        // Without a lead and an opportunity before the purchases, W-shaped is position.
        foreach (var campaign in new[] { a, b, c }) Credits(all, "w-shaped", campaign).ShouldBe(Credits(all, "position", campaign));

        var linearA = Row(all, "linear", a)!.Value;
        (linearA.GetProperty("cost").GetDecimal(), linearA.GetProperty("roi").GetDouble(), linearA.GetProperty("costPerConversion").GetDecimal())
            .ShouldBe((250m, 5.04, 131.5789m)); // 200 recorded + 50 for a touch; (1510 − 250) / 250; 250 / 1.9
        var linearB = Row(all, "linear", b)!.Value;
        (linearB.GetProperty("cost").GetDecimal(), linearB.GetProperty("roi").ValueKind).ShouldBe((0m, JsonValueKind.Null));
        var linearC = Row(all, "linear", c)!.Value;
        linearC.GetProperty("cost").ValueKind.ShouldBe(JsonValueKind.Null);
        linearC.GetProperty("costNote").GetString().ShouldBe("Costs in USD are left out: there is no exchange rate to EUR.");
        all.GetProperty("touchKinds").EnumerateArray().Select(k => k.GetString()).ShouldBe(["open", "click", "visit", "attended", "reply", "lead"]);

        var csv = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("ann", Roles.Analyst));
            s.Get.Url($"/api/analytics/attribution?model=linear&{Period}");
            s.WithRequestHeader("Accept", "text/csv");
        });
        var lines = (await csv.ReadAsTextAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        lines[0].ShouldBe("model,campaignId,campaign,conversions,revenue,cost,currency,roi,costPerConversion");
        var cells = lines.Single(l => l.StartsWith($"linear,{a},")).Split(',');
        cells[2].ShouldStartWith("Attribution A");
        (double.Parse(cells[3], CultureInfo.InvariantCulture), decimal.Parse(cells[4], CultureInfo.InvariantCulture), decimal.Parse(cells[5], CultureInfo.InvariantCulture),
            cells[6], double.Parse(cells[7], CultureInfo.InvariantCulture), decimal.Parse(cells[8], CultureInfo.InvariantCulture))
            .ShouldBe((1.9, 1510m, 250m, "EUR", 5.04, 131.5789m));
        lines.ShouldContain(l => l.StartsWith("linear,,(no touch),"));

        // Charts: the models side by side per campaign, one legend entry per model, of revenue or of ROI.
        async Task<Alba.IScenarioResult> Chart(string accept, string measure = "") => await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("ann", Roles.Analyst));
            s.Get.Url($"/api/analytics/attribution?compare=true&{Period}{measure}");
            s.WithRequestHeader("Accept", accept);
        });
        await (await Chart("image/png")).ShouldBePng();
        var revenue = (await (await Chart("image/svg+xml")).ShouldBeSvg("Attribution by model: revenue (EUR)")).Texts();
        foreach (var model in Attribution.Names.Keys) revenue.ShouldContain(model);
        revenue.ShouldContain(t => t.StartsWith("Attribution A"));
        (await (await Chart("image/svg+xml", "&chart=roi")).ShouldBeSvg("Attribution by model: ROI")).Texts().ShouldContain("ROI");
        (await (await app.Send(HttpMethod.Get, $"/api/analytics/attribution?chart=pie", role: Roles.Analyst)).ShouldBeProblem(400))
            .GetProperty("errors").GetProperty("chart")[0].GetString().ShouldBe("'chart' is one of revenue, conversions, roi.");

        // Asked to count impressions, the solo customer's purchase is shared with campaign C.
        var impressions = await Attributed($"/api/analytics/attribution?model=linear&{Period}&touchKinds=click,impression,visit,attended,reply", Roles.Analyst);
        Credits(impressions, "linear", c).ShouldBe((0.7, 680m)); // 620 + 120 / 2
        Credits(impressions, "linear", a).ShouldBe((1.4, 1450m));

        // Later: the solo customer turns out to have clicked campaign B the day before, the pair's purchase is voided,
        // and campaign A costs 50 more. As of before them, the answer is the one above.
        await Task.Delay(1100);
        var cut = DateTimeOffset.UtcNow;
        await Task.Delay(1100);
        await app.Touch(b, solo, "click", T.AddDays(-1));
        await app.Void(pair, pairPurchase);
        await app.Cost(a, 50m);

        var now = await Compare();
        Credits(now, "linear", a).ShouldBe((0.9, 1300m)); // 60 + 1240
        Credits(now, "linear", b).ShouldBe((0.9, 1300m)); // 60 + 1240
        Credits(now, "linear", c).ShouldBe((0.2, 620m));
        Credits(now, "last", a).ShouldBe((1, 3100m));
        Credits(now, "last", b).ShouldBe((1, 120m));
        var nowA = Row(now, "linear", a)!.Value;
        (nowA.GetProperty("cost").GetDecimal(), nowA.GetProperty("roi").GetDouble(), nowA.GetProperty("costPerConversion").GetDecimal())
            .ShouldBe((300m, 3.333333, 333.3333m));

        var then = await Compare($"&asOf={Uri.EscapeDataString(cut.ToString("O"))}");
        then.GetProperty("asOf").GetDateTimeOffset().ShouldBe(cut);
        foreach (var model in new[] { "first", "last", "linear", "position", "time-decay", "w-shaped" })
            foreach (var campaign in new[] { a, b, c })
            {
                Credits(then, model, campaign).ShouldBe(Credits(all, model, campaign), $"{model} {campaign}");
                Row(then, model, campaign)?.GetProperty("cost").ToString().ShouldBe(Row(all, model, campaign)?.GetProperty("cost").ToString());
            }

        await TheFactsCreditWhatTheApiCredits("2025-03-01", "2025-03-31", a, b, c);
    }

    [Fact]
    public async Task a_merged_duplicates_touches_and_purchases_count_for_the_survivor_from_the_merge_on()
    {
        var (e, f) = (await app.AdsCampaign("Attribution E"), await app.AdsCampaign("Attribution F"));
        var survivor = (await app.Customer("Merge Survivor", consent: false)).Id;
        var duplicate = (await app.Customer("Merge Duplicate", consent: false)).Id;
        await app.Touch(e, duplicate, "click", T.AddDays(-3));
        await app.Touch(f, survivor, "visit", T.AddDays(-1));
        await app.Buy(duplicate, 400m, at: T);
        await Task.Delay(1100);
        var beforeMerge = DateTimeOffset.UtcNow;
        await Task.Delay(1100);
        await Customers.CustomerApi.Succeed(app, survivor, "merge", new { version = await app.CustomerVersion(survivor), duplicateId = duplicate });

        var merged = await Attributed($"/api/analytics/attribution?model=linear&{Period}", Roles.Analyst);
        Credits(merged, "linear", e).ShouldBe((0.5, 200m));
        Credits(merged, "linear", f).ShouldBe((0.5, 200m));
        var before = await Attributed($"/api/analytics/attribution?model=linear&{Period}&asOf={Uri.EscapeDataString(beforeMerge.ToString("O"))}", Roles.Analyst);
        Credits(before, "linear", e).ShouldBe((1, 400m));
        Credits(before, "linear", f).ShouldBeNull();
        await TheFactsCreditWhatTheApiCredits("2025-03-01", "2025-03-31", e, f);
    }

    [Fact]
    public async Task a_won_opportunity_counts_once_as_the_purchase_it_records()
    {
        var d = await app.AdsCampaign("Attribution D");
        var customer = (await app.Customer("Won Touch", consent: false)).Id;
        await app.Touch(d, customer, "click", DateTimeOffset.UtcNow.AddHours(-1));
        var owner = SalesApi.NewSeller();
        var deal = await app.OpenOpportunity(customer, owner, amount: 900m);
        await app.Succeed("opportunities", deal, "stage", new { version = 1, stage = "qualification" }, owner);
        await app.Succeed("opportunities", deal, "stage", new { version = 2, stage = "proposal" }, owner);
        var won = await app.ScenarioAndWait(s =>
        {
            s.WithBearerToken(app.TokenFor(owner, Roles.Sales));
            s.Post.Json(new { version = 3 }).ToUrl($"/api/opportunities/{deal}/win");
        });
        won.Context.Response.StatusCode.ShouldBe(200);

        var today = DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd");
        var answer = await Attributed($"/api/analytics/attribution?compare=true&from={today}&to={today}", Roles.Analyst);
        foreach (var model in new[] { "first", "last", "linear", "position", "time-decay", "w-shaped" })
            Credits(answer, model, d).ShouldBe((1, 900m), model);
    }

    [Fact]
    public async Task w_shaped_reads_the_leads_capture_and_the_opportunitys_opening_as_positions()
    {
        var (g, h) = (await app.AdsCampaign("Attribution G"), await app.AdsCampaign("Attribution H"));
        var code = (await app.Campaign(g)).GetProperty("utmCampaign").GetString()!;
        var formName = "Attribution form " + Guid.NewGuid().ToString("N")[..6];
        var form = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("ada", Roles.Admin));
            s.Post.Json(new { name = formName }).ToUrl("/api/admin/forms");
            s.StatusCodeShouldBe(201);
        });
        var key = (await form.Body()).GetProperty("key").GetString();
        await app.Host.Scenario(s =>
        {
            s.Post.Json(new { name = "Wanda Wshape", email = AppFixture.NewEmail("wshape") }).ToUrl($"/api/forms/{key}/leads")
                .QueryString("utm_source", "partner").QueryString("utm_campaign", code);
            s.StatusCodeShouldBe(202);
        });
        var lead = (await app.Read($"/api/leads?source={Uri.EscapeDataString("form:" + formName)}", Roles.Sales))
            .GetProperty("items").EnumerateArray().Single().GetProperty("id").GetGuid();
        await Task.Delay(50); // the opportunity opens well over a millisecond after the lead, so a touch fits between them
        var converted = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Post.Json(new
            {
                version = 1,
                opportunity = new { title = "W order", amount = 1000m, currency = "EUR", expectedCloseDate = SalesApi.CloseDate() },
            }).ToUrl($"/api/leads/{lead}/convert");
            s.StatusCodeShouldBe(200);
        });
        var body = await converted.Body();
        var (customer, deal) = (body.GetProperty("customerId").GetGuid(), body.GetProperty("opportunityId").GetGuid());
        var capturedAt = (await Imports.StoredEvents.Of(app, lead)).First(e => e.Type == "lead_captured").Data.GetProperty("capturedAt").GetDateTimeOffset();
        var openedAt = (await Imports.StoredEvents.Of(app, deal)).First(e => e.Type == "opportunity_opened").Data.GetProperty("openedAt").GetDateTimeOffset();

        // In time order: H before the lead, G's lead itself, H before the opportunity, G after it (the purchase comes last).
        await app.Touch(h, customer, "click", capturedAt.AddHours(-1));
        await app.Touch(h, customer, "visit", openedAt.AddMilliseconds(-1));
        await app.Touch(g, customer, "click", openedAt.AddMilliseconds(1));
        await app.Succeed("opportunities", deal, "stage", new { version = 1, stage = "qualification" });
        await app.Succeed("opportunities", deal, "stage", new { version = 2, stage = "proposal" });
        var won = await app.ScenarioAndWait(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Post.Json(new { version = 3 }).ToUrl($"/api/opportunities/{deal}/win");
        });
        won.Context.Response.StatusCode.ShouldBe(200);

        var today = DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd");
        var answer = await Attributed($"/api/analytics/attribution?compare=true&from={today}&to={today}", Roles.Analyst);
        // 30 % first (H), 30 % the lead's touch (G's lead), 30 % the last before the opportunity (H), 10 % the rest (G).
        Credits(answer, "w-shaped", h).ShouldBe((0.6, 600m));
        Credits(answer, "w-shaped", g).ShouldBe((0.4, 400m));
        // U-shaped for comparison: 40 % first (H), 40 % last (G), 10 % each in the middle.
        Credits(answer, "position", h).ShouldBe((0.5, 500m));
        Credits(answer, "position", g).ShouldBe((0.5, 500m));
        await TheFactsCreditWhatTheApiCredits(today, today, g, h);
    }

    [Fact]
    public async Task unknown_models_negative_look_backs_reversed_periods_and_unknown_touch_kinds_are_refused()
    {
        var result = await app.Send(HttpMethod.Get,
            "/api/analytics/attribution?model=magic&lookbackDays=-1&halfLifeDays=0&from=2025-03-31&to=2025-03-01&touchKinds=click,wink", role: Roles.Analyst);
        var errors = (await result.ShouldBeProblem(400)).GetProperty("errors");
        errors.GetProperty("model")[0].GetString().ShouldBe("'model' is one of first, last, linear, position, time-decay, w-shaped.");
        errors.GetProperty("lookbackDays")[0].GetString().ShouldBe("'lookbackDays' is a whole number of days from 0 to 365.");
        errors.GetProperty("halfLifeDays")[0].GetString().ShouldBe("'halfLifeDays' is a number of days more than 0 and at most 365.");
        errors.GetProperty("from")[0].GetString().ShouldBe("'from' must not be after 'to'.");
        errors.GetProperty("touchKinds")[0].GetString().ShouldBe("'wink' is not a touch kind; the kinds are delivered, open, click, impression, visit, attended, reply, lead.");
        var future = await app.Send(HttpMethod.Get, $"/api/analytics/attribution?asOf={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(1).ToString("O"))}", role: Roles.Analyst);
        (await future.ShouldBeProblem(400)).GetProperty("errors").GetProperty("asOf")[0].GetString()!.ShouldContain("is in the future");
        await (await app.Send(HttpMethod.Get, "/api/analytics/attribution", role: Roles.Sales)).ShouldBeProblem(403);
    }

    private Task<JsonElement> Compare(string more = "") => Attributed($"/api/analytics/attribution?compare=true&{Period}{more}", Roles.Analyst);

    /// <summary>
    /// analytics.attribution_facts (a view for BI tools, computed in SQL) credits each campaign, under every model, what
    /// the API credits it with the default look-back, half-life and touch kinds, for the conversions in the period.
    /// </summary>
    private async Task TheFactsCreditWhatTheApiCredits(string from, string to, params Guid[] campaigns)
    {
        var api = await Attributed($"/api/analytics/attribution?compare=true&from={from}&to={to}", Roles.Analyst);
        await using var command = app.Host.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand($"""
            select model, campaign_id, sum(credit), sum(revenue) from {CampaignFactViews.AttributionFacts}
            where converted_at >= $1::date and converted_at < $2::date + 1 and campaign_id = any($3) group by 1, 2
            """);
        command.Parameters.AddWithValue(DateOnly.Parse(from, CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue(DateOnly.Parse(to, CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue(campaigns);
        var facts = new Dictionary<(string, Guid), (double Conversions, decimal Revenue)>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) facts[(reader.GetString(0), reader.GetGuid(1))] = (reader.GetDouble(2), reader.GetDecimal(3));
        facts.Values.Sum(f => f.Conversions).ShouldBeGreaterThan(0);
        foreach (var model in Attribution.Names.Keys)
            foreach (var campaign in campaigns)
            {
                var expected = Credits(api, model, campaign) ?? (0, 0m);
                var actual = facts.GetValueOrDefault((model, campaign));
                actual.Conversions.ShouldBe(expected.Conversions, 1e-6, $"{model} {campaign}");
                actual.Revenue.ShouldBe(expected.Revenue, 0.0001m, $"{model} {campaign}");
            }
    }

    /// <summary>The answer once the touch facts (kept asynchronously) hold everything recorded so far.</summary>
    private async Task<JsonElement> Attributed(string url, string role)
    {
        await app.CaughtUp();
        return await app.Read(url, role);
    }

    private static JsonElement? Row(JsonElement answer, string model, Guid campaign)
    {
        var rows = answer.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("model").GetString() == model).GetProperty("campaigns");
        return rows.EnumerateArray().Where(r => r.GetProperty("campaignId").GetGuid() == campaign).Select(r => (JsonElement?)r).SingleOrDefault();
    }

    private static (double Conversions, decimal Revenue)? Credits(JsonElement answer, string model, Guid campaign) =>
        Row(answer, model, campaign) is { } row ? (row.GetProperty("conversions").GetDouble(), row.GetProperty("revenue").GetDecimal()) : null;
}
