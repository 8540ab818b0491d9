using EventCrm.Service;
using EventCrm.Tests.Customers;
using Marten;

namespace EventCrm.Tests.Service;

/// <summary>The application's clock is moved forward; the scheduled checks are run as the scheduler would at their due time.</summary>
[Collection(AppCollection.Name)]
public class when_the_sla_clock_runs(AppFixture app)
{
    private async Task<IReadOnlyList<object>> Events(Guid id)
    {
        await using var session = app.Store.QuerySession();
        return [.. (await session.Events.FetchStreamAsync(id)).Select(e => e.Data)];
    }

    [Fact]
    public async Task a_ticket_answered_in_time_is_not_breached()
    {
        var id = await app.OpenTicket(await app.Register(AppFixture.NewEmail())); // normal: respond within 8 h

        using (app.Clock.Travel(TimeSpan.FromHours(7)))
            await app.TicketSucceeds(id, "comments", new { version = 1, text = "Looking into it", @public = true });
        using (app.Clock.Travel(TimeSpan.FromHours(9)))
            await app.CheckSla(id, SlaTarget.FirstResponse);

        (await Events(id)).OfType<SlaBreached>().ShouldBeEmpty();
        var view = await app.TicketView(id);
        view.GetProperty("firstResponseOnTime").GetBoolean().ShouldBeTrue();
        view.GetProperty("firstResponseMinutes").GetDouble().ShouldBe(420, 0.5);
    }

    [Fact]
    public async Task a_missed_first_response_is_breached_once_and_escalated()
    {
        var customer = await app.Register(AppFixture.NewEmail());
        var id = await app.OpenTicket(customer);
        var openedAt = (await app.TicketView(id)).GetProperty("openedAt").GetDateTimeOffset();

        using (app.Clock.Travel(TimeSpan.FromHours(9)))
        {
            await app.CheckSla(id, SlaTarget.FirstResponse);
            await app.CheckSla(id, SlaTarget.FirstResponse); // a second check finds it already recorded
        }

        var breaches = (await Events(id)).OfType<SlaBreached>().ToList();
        breaches.ShouldHaveSingleItem().Target.ShouldBe(SlaTarget.FirstResponse);
        breaches[0].DueAt.ShouldBe(openedAt.AddHours(8));
        var escalated = (await Events(id)).OfType<TicketEscalated>().ShouldHaveSingleItem();
        escalated.From.ShouldBe(TicketPriority.Normal);
        escalated.To.ShouldBe(TicketPriority.High);
        escalated.Queue.ShouldBe("escalations");

        var view = await app.TicketView(id);
        view.GetProperty("breached").GetBoolean().ShouldBeTrue();
        view.GetProperty("firstResponseOnTime").GetBoolean().ShouldBeFalse();
        view.GetProperty("priority").GetString().ShouldBe("high");
        view.GetProperty("queue").GetString().ShouldBe("escalations");
        // High priority promises resolution within a day of opening.
        view.GetProperty("resolutionDueAt").GetDateTimeOffset().ShouldBe(openedAt.AddDays(1));

        var queue = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sue", "support"));
            s.Get.Url($"/api/tickets?customerId={customer}&breached=true&queue=escalations");
        });
        (await queue.Body()).GetProperty("items").EnumerateArray().Single().GetProperty("id").GetGuid().ShouldBe(id);
    }

    [Fact]
    public async Task waiting_on_the_customer_stops_the_clock_and_moves_the_due_time()
    {
        var id = await app.OpenTicket(await app.Register(AppFixture.NewEmail()));
        var openedAt = (await app.TicketView(id)).GetProperty("openedAt").GetDateTimeOffset();

        using (app.Clock.Travel(TimeSpan.FromHours(2)))
            await app.TicketSucceeds(id, "wait", new { version = 1 });
        (await app.TicketView(id)).GetProperty("firstResponseDueAt").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
        using (app.Clock.Travel(TimeSpan.FromHours(12)))
            await app.TicketSucceeds(id, "resume", new { version = 2 });

        // Paused for 10 of the 12 hours: 8 h of SLA clock end 18 h after opening.
        var due = (await app.TicketView(id)).GetProperty("firstResponseDueAt").GetDateTimeOffset();
        due.ShouldBe(openedAt.AddHours(18), TimeSpan.FromSeconds(2));

        using (app.Clock.Travel(TimeSpan.FromHours(13)))
            await app.CheckSla(id, SlaTarget.FirstResponse); // the check scheduled for 8 h fires: not yet
        (await Events(id)).OfType<SlaBreached>().ShouldBeEmpty();

        using (app.Clock.Travel(TimeSpan.FromHours(19)))
            await app.CheckSla(id, SlaTarget.FirstResponse);
        (await Events(id)).OfType<SlaBreached>().ShouldHaveSingleItem().DueAt.ShouldBe(due, TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task a_resolved_ticket_keeps_its_promise_and_no_check_breaches_it()
    {
        var id = await app.OpenTicket(await app.Register(AppFixture.NewEmail()), priority: "urgent"); // resolve within 4 h

        using (app.Clock.Travel(TimeSpan.FromHours(3)))
            await app.TicketSucceeds(id, "resolve", new { version = 1, resolution = "Done" });
        using (app.Clock.Travel(TimeSpan.FromHours(5)))
        {
            await app.CheckSla(id, SlaTarget.Resolution);
            await app.CheckSla(id, SlaTarget.FirstResponse);
        }

        (await Events(id)).OfType<SlaBreached>().ShouldBeEmpty();
        var view = await app.TicketView(id);
        view.GetProperty("resolutionOnTime").GetBoolean().ShouldBeTrue();
        view.GetProperty("resolutionMinutes").GetDouble().ShouldBe(180, 0.5);
    }

    [Fact]
    public async Task tickets_whose_promise_falls_due_within_the_hour_are_at_risk()
    {
        var customer = await app.Register(AppFixture.NewEmail());
        var urgent = await app.OpenTicket(customer, priority: "urgent"); // respond within 30 min
        var low = await app.OpenTicket(customer, priority: "low");       // within 24 h

        var atRisk = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sue", "support"));
            s.Get.Url($"/api/tickets?customerId={customer}&atRisk=true");
        });
        (await atRisk.Body()).GetProperty("items").EnumerateArray().Select(t => t.GetProperty("id").GetGuid()).ShouldBe([urgent]);

        var all = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sue", "support"));
            s.Get.Url($"/api/tickets?customerId={customer}&active=true");
        });
        // Most urgent first.
        (await all.Body()).GetProperty("items").EnumerateArray().Select(t => t.GetProperty("id").GetGuid()).ShouldBe([urgent, low]);
    }
}
