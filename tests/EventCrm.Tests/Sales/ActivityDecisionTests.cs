using EventCrm.Infrastructure;
using EventCrm.Infrastructure.Http;
using EventCrm.Sales;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace EventCrm.Tests.Sales;

/// <summary>Logging calls, meetings and tasks, and completing tasks, decided without a database.</summary>
public class when_activity_commands_are_decided
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 9, 30, 0, TimeSpan.Zero);
    private static readonly FakeTimeProvider Clock = new(Now);
    private static readonly Guid CustomerId = Guid.NewGuid();
    private static readonly RegardingSubject AboutCustomer = new(new Regarding(RegardingType.Customer, CustomerId, CustomerId), "customer");

    private static Activity SallysTask(params object[] after) =>
        Fold<Activity>.Apply(null, [new ActivityLogged(ActivityKind.Task, "Send the quote", null, AboutCustomer.Regarding!, "sally",
            Now.AddDays(-1), Now.AddDays(2)), .. after]) with { Id = Guid.NewGuid() };

    [Fact]
    public void a_call_is_logged_as_it_happened_owned_by_whoever_logs_it()
    {
        var at = Now.AddHours(-2);
        var command = new LogActivity(ActivityKind.Call, "  Intro   call ", "  Wants a demo \n", OccurredAt: at);

        LogActivityEndpoint.Validate(command, AboutCustomer, Callers.Sales("sally"), Clock).ShouldBeSameAs(Problems.None);
        var (response, start) = LogActivityEndpoint.Decide(command, AboutCustomer, Callers.Sales("sally"), Clock);

        start.StreamId.ShouldBe(response.Id);
        start.AggregateType.ShouldBe(typeof(Activity));
        start.Events.ShouldHaveSingleItem().ShouldBe(
            new ActivityLogged(ActivityKind.Call, "Intro call", "Wants a demo", AboutCustomer.Regarding!, "sally", at, null));
    }

    [Fact]
    public void without_a_time_it_happened_now_and_a_task_keeps_its_due_time()
    {
        var due = Now.AddDays(3);

        var (_, start) = LogActivityEndpoint.Decide(new LogActivity(ActivityKind.Task, "Send the quote", DueAt: due), AboutCustomer,
            Callers.Sales("sally"), Clock);

        var logged = start.Events.ShouldHaveSingleItem().ShouldBeOfType<ActivityLogged>();
        logged.OccurredAt.ShouldBe(Now);
        logged.DueAt.ShouldBe(due);
        logged.Notes.ShouldBeNull();
    }

    [Theory]
    [InlineData(ActivityKind.Task, false, "dueAt", "A task needs 'dueAt'.")]
    [InlineData(ActivityKind.Meeting, true, "dueAt", "Only a task has 'dueAt'.")]
    [InlineData(null, false, "kind", "'kind' is required: call, meeting, email, note or task.")]
    public void a_task_has_a_due_time_and_nothing_else_does(ActivityKind? kind, bool withDueAt, string field, string message)
    {
        var command = new LogActivity(kind, "Subject", DueAt: withDueAt ? Now.AddDays(1) : null);

        var errors = LogActivityEndpoint.Validate(command, AboutCustomer, Callers.Sales("sally"), Clock)
            .ShouldBeOfType<HttpValidationProblemDetails>().Errors;

        errors.Keys.ShouldBe([field]);
        errors[field].ShouldBe([message]);
    }

    [Fact]
    public void what_has_not_happened_yet_is_not_logged_as_happened()
    {
        LogActivityEndpoint.Validate(new LogActivity(ActivityKind.Call, "Call", OccurredAt: Now.AddMinutes(4)), AboutCustomer,
            Callers.Sales("sally"), Clock).ShouldBeSameAs(Problems.None);
        LogActivityEndpoint.Validate(new LogActivity(ActivityKind.Call, "Call", OccurredAt: Now.AddMinutes(6)), AboutCustomer,
            Callers.Sales("sally"), Clock).ShouldBeOfType<HttpValidationProblemDetails>().Errors.Keys.ShouldBe(["occurredAt"]);
    }

    [Fact]
    public void an_activity_about_nothing_known_is_not_found_and_one_for_another_owner_needs_an_admin()
    {
        var nothing = new RegardingSubject(null, "lead has id 42");

        var missing = LogActivityEndpoint.Validate(new LogActivity(ActivityKind.Note, "Note"), nothing, Callers.Sales("sally"), Clock);
        missing.Status.ShouldBe(404);
        missing.Detail.ShouldBe("No lead has id 42.");

        var forBob = new LogActivity(ActivityKind.Note, "Note", Owner: "bob");
        LogActivityEndpoint.Validate(forBob, AboutCustomer, Callers.Sales("sally"), Clock).Status.ShouldBe(403);
        LogActivityEndpoint.Validate(forBob, AboutCustomer, Callers.Admin(), Clock).ShouldBeSameAs(Problems.None);
    }

    [Fact]
    public void a_task_is_completed_once()
    {
        var task = SallysTask();

        CompleteTaskEndpoint.Validate(new CompleteTask(1), task, Callers.Sales("sally")).ShouldBeSameAs(Problems.None);
        var (response, events) = CompleteTaskEndpoint.Post(new CompleteTask(1), task, Clock);
        events.ShouldHaveSingleItem().ShouldBe(new TaskCompleted(Now));
        response.Version.ShouldBe(2);

        var again = CompleteTaskEndpoint.Validate(new CompleteTask(2), Fold<Activity>.Apply(task, events), Callers.Sales("sally"));
        again.Status.ShouldBe(422);
        again.Title.ShouldBe("The task is already done.");
        again.Detail.ShouldBe($"It was completed at {Now:O}.");
    }

    [Fact]
    public void only_a_task_is_completed()
    {
        var call = Fold<Activity>.Apply(null, new ActivityLogged(ActivityKind.Call, "Call", null, AboutCustomer.Regarding!, "sally", Now, null));

        var problem = CompleteTaskEndpoint.Validate(new CompleteTask(1), call, Callers.Sales("sally"));

        problem.Status.ShouldBe(422);
        problem.Detail.ShouldBe("This activity is a call.");
    }

    [Fact]
    public void someone_elses_task_needs_an_admin_and_a_stale_version_is_a_conflict()
    {
        var task = SallysTask();

        CompleteTaskEndpoint.Validate(new CompleteTask(1), task, Callers.Sales("bob")).Detail.ShouldBe("This task belongs to sally.");
        CompleteTaskEndpoint.Validate(new CompleteTask(1), task, Callers.Admin()).ShouldBeSameAs(Problems.None);
        CompleteTaskEndpoint.Validate(new CompleteTask(2), task, Callers.Sales("sally")).Status.ShouldBe(409);
    }
}
