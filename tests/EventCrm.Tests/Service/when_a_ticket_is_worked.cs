using EventCrm.Infrastructure.Security;
using EventCrm.Service;
using EventCrm.Tests.Customers;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventCrm.Tests.Service;

[Collection(AppCollection.Name)]
public class when_a_ticket_is_worked(AppFixture app)
{
    [Fact]
    public async Task an_opened_ticket_promises_its_priority_targets_and_schedules_a_check_for_each()
    {
        var customer = await app.Register(AppFixture.NewEmail());
        var before = DateTimeOffset.UtcNow;

        var id = await app.OpenTicket(customer, priority: "high", channel: "Phone");

        var view = await app.TicketView(id);
        view.GetProperty("status").GetString().ShouldBe("open");
        view.GetProperty("priority").GetString().ShouldBe("high");
        view.GetProperty("channel").GetString().ShouldBe("phone");
        var openedAt = view.GetProperty("openedAt").GetDateTimeOffset();
        view.GetProperty("firstResponseDueAt").GetDateTimeOffset().ShouldBe(openedAt.AddHours(2));
        view.GetProperty("resolutionDueAt").GetDateTimeOffset().ShouldBe(openedAt.AddDays(1));

        // The checks wait in Wolverine's durable inbox, to run at the due times.
        var database = app.Host.Services.GetRequiredService<NpgsqlDataSource>();
        await using var command = database.CreateCommand(
            "select execution_time from wolverine.wolverine_incoming_envelopes where status = 'Scheduled' and message_type like '%CheckTicketSla%' and execution_time > $1 order by execution_time");
        command.Parameters.AddWithValue(before);
        var scheduled = new List<DateTimeOffset>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) scheduled.Add(reader.GetFieldValue<DateTimeOffset>(0));
        scheduled.ShouldContain(t => Math.Abs((t - openedAt.AddHours(2)).TotalMilliseconds) < 1);
        scheduled.ShouldContain(t => Math.Abs((t - openedAt.AddDays(1)).TotalMilliseconds) < 1);
    }

    [Fact]
    public async Task the_first_public_reply_is_the_first_response_and_notes_are_not()
    {
        var id = await app.OpenTicket(await app.Register(AppFixture.NewEmail()));

        await app.TicketSucceeds(id, "comments", new { version = 1, text = "Internal: checking logs" });
        (await app.TicketView(id)).GetProperty("firstResponseAt").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);

        await app.TicketSucceeds(id, "comments", new { version = 2, text = "We are on it.", @public = true });
        var view = await app.TicketView(id);
        view.GetProperty("firstResponseAt").ValueKind.ShouldNotBe(System.Text.Json.JsonValueKind.Null);
        view.GetProperty("firstResponseOnTime").GetBoolean().ShouldBeTrue();
        view.GetProperty("firstResponseDueAt").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
        view.GetProperty("comments").EnumerateArray().Select(c => c.GetProperty("public").GetBoolean()).ShouldBe([false, true]);
        view.GetProperty("comments")[1].GetProperty("author").GetString().ShouldBe("sue");
    }

    [Fact]
    public async Task it_goes_from_open_through_resolved_to_closed_with_satisfaction_after_resolution()
    {
        var id = await app.OpenTicket(await app.Register(AppFixture.NewEmail()));

        await app.TicketSucceeds(id, "assign", new { version = 1, assignee = "sue" });
        await app.TicketSucceeds(id, "priority", new { version = 2, priority = "urgent" });
        await (await app.Ticket(id, "satisfaction", new { version = 3, score = 5 })).ShouldBeProblem(422);
        await (await app.Ticket(id, "close", new { version = 3 })).ShouldBeProblem(422);
        await app.TicketSucceeds(id, "resolve", new { version = 3, resolution = "Password reset." });
        await (await app.Ticket(id, "resolve", new { version = 4, resolution = "again" })).ShouldBeProblem(422);
        await app.TicketSucceeds(id, "reopen", new { version = 4, reason = "still broken" });
        await app.TicketSucceeds(id, "resolve", new { version = 5, resolution = "Account unlocked." });
        await app.TicketSucceeds(id, "close", new { version = 6 });
        await (await app.Ticket(id, "satisfaction", new { version = 7, score = 6 })).ShouldBeProblem(400);
        await app.TicketSucceeds(id, "satisfaction", new { version = 7, score = 4, comment = "Took a while" });
        await (await app.Ticket(id, "satisfaction", new { version = 8, score = 5 })).ShouldBeProblem(422);
        await (await app.Ticket(id, "reopen", new { version = 8 })).ShouldBeProblem(422);

        var view = await app.TicketView(id);
        view.GetProperty("status").GetString().ShouldBe("closed");
        view.GetProperty("priority").GetString().ShouldBe("urgent");
        view.GetProperty("assignee").GetString().ShouldBe("sue");
        view.GetProperty("resolution").GetString().ShouldBe("Account unlocked.");
        view.GetProperty("reopenCount").GetInt32().ShouldBe(1);
        view.GetProperty("satisfaction").GetInt32().ShouldBe(4);
        view.GetProperty("satisfactionComment").GetString().ShouldBe("Took a while");
    }

    [Fact]
    public async Task stale_versions_are_409_and_only_support_and_admins_write()
    {
        var id = await app.OpenTicket(await app.Register(AppFixture.NewEmail()));
        await app.TicketSucceeds(id, "assign", new { version = 1, assignee = "sue" });

        await (await app.Ticket(id, "priority", new { version = 1, priority = "high" })).ShouldBeProblem(409);
        await (await app.Ticket(id, "priority", new { version = 2, priority = "high" }, Roles.Sales)).ShouldBeProblem(403);
        await (await app.Ticket(id, "priority", new { version = 2, priority = "high" }, Roles.Admin)).Body();
        (await app.TicketView(id)).GetProperty("priority").GetString().ShouldBe("high");
    }

    [Fact]
    public async Task bad_tickets_are_refused_and_leave_nothing()
    {
        var customer = await app.Register(AppFixture.NewEmail());
        var bad = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sue", Roles.Support));
            s.Post.Json(new { customerId = customer, subject = "", description = " ", kind = "rant" }).ToUrl("/api/tickets");
            s.IgnoreStatusCode();
        });
        await bad.ShouldBeProblem(400);

        var missing = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sue", Roles.Support));
            s.Post.Json(new { customerId = Guid.NewGuid(), kind = "inquiry", subject = "S", description = "D" }).ToUrl("/api/tickets");
            s.IgnoreStatusCode();
        });
        await missing.ShouldBeProblem(404);

        await using var session = app.Store.QuerySession();
        (await session.Query<TicketView>().CountAsync(t => t.CustomerId == customer)).ShouldBe(0);
    }

    [Fact]
    public async Task ticket_events_are_on_the_customers_timeline_and_have_history_and_as_of()
    {
        var customer = await app.Register(AppFixture.NewEmail());
        var id = await app.OpenTicket(customer, kind: "complaint");
        await app.TicketSucceeds(id, "assign", new { version = 1, assignee = "sue" });

        var timeline = (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sue", Roles.Support));
            s.Get.Url($"/api/customers/{customer}/timeline");
        })).Body();
        (await timeline).GetProperty("items").EnumerateArray().Select(e => e.GetProperty("type").GetString())
            .ShouldBe(["customer_registered", "ticket_opened", "ticket_assigned"]);

        var asOf = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("audrey", Roles.Auditor));
            s.Get.Url($"/api/tickets/{id}/as-of?version=1");
        });
        (await asOf.Body()).GetProperty("assignee").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
    }
}
