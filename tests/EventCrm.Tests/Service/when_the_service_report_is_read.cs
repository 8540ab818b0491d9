using System.Text.Json;
using EventCrm.Infrastructure.Security;
using EventCrm.Tests.Customers;

namespace EventCrm.Tests.Service;

/// <summary>
/// Four tickets on one day of their own (the clock is moved to a day no other test uses), worked hour by
/// hour, and the report checked against figures worked out by hand.
/// </summary>
[Collection(AppCollection.Name)]
public class when_the_service_report_is_read(AppFixture app)
{
    private async Task<(DateOnly Day, Guid Complainer)> ADayOfService()
    {
        var day = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(3650 + Random.Shared.Next(0, 3650));
        var start = new DateTimeOffset(day.ToDateTime(new TimeOnly(1, 0)), TimeSpan.Zero);
        var offset = start - DateTimeOffset.UtcNow;
        IDisposable At(double hours) => app.Clock.Travel(offset + TimeSpan.FromHours(hours));

        var c1 = await app.Register(AppFixture.NewEmail("c1"));
        var c2 = await app.Register(AppFixture.NewEmail("c2"));
        Guid t1, t2, t3, t4;
        using (At(0))
        {
            t1 = await app.OpenTicket(c1, "inquiry", "normal", "email");
            t2 = await app.OpenTicket(c2, "complaint", "high", "phone");
            t3 = await app.OpenTicket(c2, "complaint", "normal", "chat");
            t4 = await app.OpenTicket(c1, "feedback", "low", "web");
        }
        using (At(1))
        {
            await app.TicketSucceeds(t1, "comments", new { version = 1, text = "On it", @public = true });  // 60 min, in time
            await app.TicketSucceeds(t3, "wait", new { version = 1 });
        }
        using (At(3))
        {
            await app.TicketSucceeds(t1, "resolve", new { version = 2, resolution = "Fixed" });             // 180 min
            await app.TicketSucceeds(t2, "comments", new { version = 1, text = "Sorry", @public = true });  // 180 min: late for high (2 h)
        }
        using (At(6)) await app.TicketSucceeds(t3, "resume", new { version = 2 });                          // 5 h paused
        using (At(7)) await app.TicketSucceeds(t3, "resolve", new { version = 3, resolution = "Refunded" }); // 120 min, answers too
        using (At(8)) await app.TicketSucceeds(t3, "reopen", new { version = 4 });
        using (At(9)) await app.TicketSucceeds(t3, "resolve", new { version = 5, resolution = "Refunded twice" }); // 180 min
        using (At(10))
        {
            await app.TicketSucceeds(t1, "satisfaction", new { version = 3, score = 5 });
            await app.TicketSucceeds(t3, "satisfaction", new { version = 6, score = 2 });
        }
        _ = t4;
        return (day, c2);
    }

    private async Task<JsonElement> Report(DateOnly day, string? by = null)
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("mia", Roles.Analyst));
            s.Get.Url($"/api/reports/service?from={day:yyyy-MM-dd}&to={day:yyyy-MM-dd}{(by is null ? "" : $"&by={by}")}");
        });
        return await result.Body();
    }

    [Fact]
    public async Task the_overall_figures_match_the_hand_computed_ones()
    {
        var (day, _) = await ADayOfService();

        var all = (await Report(day)).GetProperty("rows").EnumerateArray().ShouldHaveSingleItem();

        all.GetProperty("key").GetString().ShouldBe("all");
        all.GetProperty("opened").GetInt32().ShouldBe(4);
        all.GetProperty("backlog").GetInt32().ShouldBe(2);
        all.GetProperty("resolved").GetInt32().ShouldBe(2);
        all.GetProperty("firstResponseCompliance").GetDecimal().ShouldBe(0.6667m);
        all.GetProperty("resolutionCompliance").GetDecimal().ShouldBe(1m);
        all.GetProperty("meanMinutesToFirstResponse").GetDouble().ShouldBe(120, 0.1);
        all.GetProperty("medianMinutesToFirstResponse").GetDouble().ShouldBe(120, 0.1);
        all.GetProperty("meanMinutesToResolution").GetDouble().ShouldBe(180, 0.1);
        all.GetProperty("medianMinutesToResolution").GetDouble().ShouldBe(180, 0.1);
        all.GetProperty("reopenRate").GetDecimal().ShouldBe(0.5m);
        all.GetProperty("satisfactionAverage").GetDouble().ShouldBe(3.5);
        var distribution = all.GetProperty("satisfactionDistribution");
        Enumerable.Range(1, 5).Select(score => distribution.GetProperty(score.ToString()).GetInt32()).ShouldBe([0, 1, 0, 0, 1]);
        all.GetProperty("complaints").GetInt32().ShouldBe(2);
        all.GetProperty("customersWithComplaints").GetInt32().ShouldBe(1);
        all.GetProperty("complaintsPerComplainingCustomer").GetDouble().ShouldBe(2);
    }

    [Fact]
    public async Task the_figures_split_by_kind()
    {
        var (day, _) = await ADayOfService();

        var rows = (await Report(day, "kind")).GetProperty("rows").EnumerateArray()
            .ToDictionary(r => r.GetProperty("key").GetString()!);

        rows.Keys.ShouldBe(["complaint", "feedback", "inquiry"], ignoreOrder: true);
        var complaints = rows["complaint"];
        complaints.GetProperty("opened").GetInt32().ShouldBe(2);
        complaints.GetProperty("backlog").GetInt32().ShouldBe(1);
        complaints.GetProperty("firstResponseCompliance").GetDecimal().ShouldBe(0.5m);
        complaints.GetProperty("meanMinutesToFirstResponse").GetDouble().ShouldBe(150, 0.1);
        complaints.GetProperty("reopenRate").GetDecimal().ShouldBe(1m);
        complaints.GetProperty("satisfactionAverage").GetDouble().ShouldBe(2);
        rows["feedback"].GetProperty("firstResponseCompliance").ValueKind.ShouldBe(JsonValueKind.Null);
        rows["inquiry"].GetProperty("meanMinutesToResolution").GetDouble().ShouldBe(180, 0.1);
    }

    [Fact]
    public async Task the_report_needs_its_period_and_a_known_grouping()
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("mia", Roles.Analyst));
            s.Get.Url("/api/reports/service?from=2026-01-01&by=mood");
            s.IgnoreStatusCode();
        });
        var errors = (await result.ShouldBeProblem(400)).GetProperty("errors");
        errors.TryGetProperty("to", out _).ShouldBeTrue();
        errors.TryGetProperty("by", out _).ShouldBeTrue();
    }
}
