using EventCrm.Infrastructure.Security;
using EventCrm.Sales;
using EventCrm.Tests.Customers;
using Marten;

namespace EventCrm.Tests.Sales;

[Collection(AppCollection.Name)]
public class when_activities_are_logged(AppFixture app)
{
    private async Task<Guid> Log(string resource, Guid id, object body, string user = "sam", int status = 201)
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor(user, Roles.Sales));
            s.Post.Json(body).ToUrl($"/api/{resource}/{id}/activities");
            s.StatusCodeShouldBe(status);
        });
        return status == 201 ? (await result.Body()).GetProperty("id").GetGuid() : Guid.Empty;
    }

    [Fact]
    public async Task calls_meetings_and_notes_are_kept_against_what_they_are_about()
    {
        var customer = await app.Register(AppFixture.NewEmail());
        var owner = SalesApi.NewSeller();
        var opportunity = await app.OpenOpportunity(customer, owner);

        var call = await Log("customers", customer, new { kind = "call", subject = "Intro call", notes = "Line 1\nLine 2" });
        var meeting = await Log("opportunities", opportunity, new { kind = "meeting", subject = "Demo", occurredAt = DateTimeOffset.UtcNow.AddDays(-1) }, owner);

        var view = await app.Get($"/api/activities/{meeting}");
        view.GetProperty("regardingType").GetString().ShouldBe("opportunity");
        view.GetProperty("regardingId").GetGuid().ShouldBe(opportunity);
        view.GetProperty("customerId").GetGuid().ShouldBe(customer);
        view.GetProperty("owner").GetString().ShouldBe(owner);

        var forCustomer = await app.Get($"/api/activities?regardingId={customer}");
        forCustomer.GetProperty("items").EnumerateArray().Select(a => a.GetProperty("id").GetGuid()).ShouldBe([call, meeting]);

        var timeline = (await app.Get($"/api/customers/{customer}/timeline")).GetProperty("items").EnumerateArray()
            .Select(e => e.GetProperty("type").GetString()).ToList();
        timeline.Count(t => t == "activity_logged").ShouldBe(2);
    }

    [Fact]
    public async Task a_task_is_overdue_after_its_due_time_until_it_is_done()
    {
        var lead = await app.CaptureLead();
        var owner = SalesApi.NewSeller();
        var late = await Log("leads", lead, new { kind = "task", subject = "Send offer", dueAt = DateTimeOffset.UtcNow.AddHours(-2) }, owner);
        var soon = await Log("leads", lead, new { kind = "task", subject = "Follow up", dueAt = DateTimeOffset.UtcNow.AddDays(2) }, owner);

        List<Guid> Overdue(System.Text.Json.JsonElement list) => list.EnumerateArray().Select(a => a.GetProperty("id").GetGuid()).ToList();
        var mine = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor(owner, Roles.Sales));
            s.Get.Url("/api/activities/overdue");
        });
        Overdue(await mine.Body()).ShouldBe([late]);
        Overdue(await app.Get($"/api/activities/overdue?owner={owner}", Roles.Admin)).ShouldBe([late]);

        await (await app.Post("activities", late, "complete", new { version = 1 }, "someone-else")).ShouldBeProblem(403);
        await app.Succeed("activities", late, "complete", new { version = 1 }, owner);
        await (await app.Post("activities", late, "complete", new { version = 2 }, owner)).ShouldBeProblem(422);
        Overdue(await app.Get($"/api/activities/overdue?owner={owner}")).ShouldBeEmpty();
        (await app.Get($"/api/activities/{late}")).GetProperty("completedAt").ValueKind.ShouldNotBe(System.Text.Json.JsonValueKind.Null);
        _ = soon;
    }

    [Fact]
    public async Task a_task_needs_a_due_time_only_tasks_have_one_and_the_subject_must_exist()
    {
        var customer = await app.Register(AppFixture.NewEmail());
        await Log("customers", customer, new { kind = "task", subject = "No due" }, status: 400);
        await Log("customers", customer, new { kind = "call", subject = "Due call", dueAt = DateTimeOffset.UtcNow }, status: 400);
        await Log("customers", customer, new { subject = "No kind" }, status: 400);
        await Log("customers", Guid.NewGuid(), new { kind = "note", subject = "Nobody" }, status: 404);
        await Log("opportunities", Guid.NewGuid(), new { kind = "note", subject = "Nothing" }, status: 404);
        await Log("customers", customer, new { kind = "note", subject = "For pat", owner = "pat" }, status: 403);

        await using var session = app.Store.QuerySession();
        (await session.Query<ActivityView>().CountAsync(a => a.RegardingId == customer)).ShouldBe(0);
    }

    [Fact]
    public async Task completing_something_that_is_not_a_task_is_refused()
    {
        var customer = await app.Register(AppFixture.NewEmail());
        var note = await Log("customers", customer, new { kind = "note", subject = "Just a note" });
        await (await app.Post("activities", note, "complete", new { version = 1 })).ShouldBeProblem(422);
    }
}
