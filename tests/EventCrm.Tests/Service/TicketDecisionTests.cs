using EventCrm.Customers;
using EventCrm.Infrastructure;
using EventCrm.Infrastructure.Http;
using EventCrm.Service;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using Wolverine;

namespace EventCrm.Tests.Service;

/// <summary>The ticket commands and the promises they make, decided without HTTP, a database or a running clock.</summary>
public class when_ticket_commands_are_decided
{
    /// <summary>A Thursday morning.</summary>
    internal static readonly DateTimeOffset T0 = new(2026, 11, 26, 9, 30, 0, TimeSpan.Zero);
    private static readonly Guid CustomerId = Guid.NewGuid();
    private readonly FakeTimeProvider _clock = new(T0);
    private readonly ServiceRules _rules = new();

    /// <summary>The ticket as the open command starts it, at <see cref="T0"/>.</summary>
    private Ticket Opened(TicketPriority priority = TicketPriority.Normal)
    {
        var (response, start, _) = OpenTicketEndpoint.Post(
            new OpenTicket(CustomerId, TicketKind.Complaint, "Engine stopped", "It stopped.", priority), _rules, new FakeTimeProvider(T0));
        return Fold<Ticket>.Apply(null, start.Events) with { Id = response.Id };
    }

    private DateTimeOffset At(TimeSpan sinceOpening)
    {
        _clock.SetUtcNow(T0 + sinceOpening);
        return T0 + sinceOpening;
    }

    internal static IReadOnlyList<(Guid Ticket, SlaTarget Target, DateTimeOffset? At)> Checks(OutgoingMessages messages) =>
        [.. messages.Select(m => m.ShouldBeAssignableTo<DeliveryMessage<CheckTicketSla>>()!)
            .Select(d => (d.Message.TicketId, d.Message.Target, d.Options.ScheduledTime))];

    // --- opening ---

    [Theory]
    [InlineData(TicketPriority.Low, 24 * 60, 5 * 24 * 60)]
    [InlineData(TicketPriority.Normal, 8 * 60, 3 * 24 * 60)]
    [InlineData(TicketPriority.High, 2 * 60, 24 * 60)]
    [InlineData(TicketPriority.Urgent, 30, 4 * 60)]
    public void opening_promises_the_priority_s_targets_and_schedules_a_check_at_each(TicketPriority priority, int respondMinutes,
        int resolveMinutes)
    {
        var (respond, resolve) = (TimeSpan.FromMinutes(respondMinutes), TimeSpan.FromMinutes(resolveMinutes));

        var (response, start, messages) = OpenTicketEndpoint.Post(
            new OpenTicket(CustomerId, TicketKind.Complaint, "  Engine   stopped ", " It stopped.\n", priority, " Phone "), _rules, _clock);

        start.StreamId.ShouldBe(response.Id);
        start.AggregateType.ShouldBe(typeof(Ticket));
        start.Events.ShouldHaveSingleItem().ShouldBe(new TicketOpened(CustomerId, TicketKind.Complaint, "Engine stopped", "It stopped.",
            priority, "phone", new SlaPolicy(respond, resolve, null), T0));
        Checks(messages).ShouldBe([(response.Id, SlaTarget.FirstResponse, T0 + respond), (response.Id, SlaTarget.Resolution, T0 + resolve)]);
    }

    [Fact]
    public void without_a_priority_or_channel_it_is_a_normal_e_mail_ticket()
    {
        var (_, start, _) = OpenTicketEndpoint.Post(new OpenTicket(CustomerId, TicketKind.Inquiry, "Question", "How?"), _rules, _clock);

        var opened = start.Events.ShouldHaveSingleItem().ShouldBeOfType<TicketOpened>();
        opened.Priority.ShouldBe(TicketPriority.Normal);
        opened.Channel.ShouldBe("email");
    }

    [Fact]
    public void with_business_hours_the_checks_fall_due_in_working_time()
    {
        var rules = new ServiceRules { BusinessHours = new BusinessHoursSettings() };

        var (_, start, messages) = OpenTicketEndpoint.Post(new OpenTicket(CustomerId, TicketKind.Inquiry, "Question", "How?"), rules, _clock);

        start.Events.ShouldHaveSingleItem().ShouldBeOfType<TicketOpened>().Sla.BusinessHours.ShouldNotBeNull().TimeZone.ShouldBe("UTC");
        // Eight working hours from Thursday 09:30: 7.5 on Thursday, the last half hour on Friday morning.
        var firstResponse = Checks(messages)[0];
        firstResponse.Target.ShouldBe(SlaTarget.FirstResponse);
        firstResponse.At.ShouldBe(new DateTimeOffset(2026, 11, 27, 9, 30, 0, TimeSpan.Zero));
    }

    [Fact]
    public void a_ticket_names_its_customer_and_kind_and_the_customer_must_be_able_to_take_one()
    {
        OpenTicketEndpoint.Validate(new OpenTicket(Guid.Empty, null, " ", ""), new NamedCustomer(null))
            .ShouldBeOfType<HttpValidationProblemDetails>().Errors.Keys
            .ShouldBe(["customerId", "kind", "subject", "description"], ignoreOrder: true);

        var command = new OpenTicket(CustomerId, TicketKind.Inquiry, "Question", "How?");
        OpenTicketEndpoint.Validate(command, new NamedCustomer(null)).Status.ShouldBe(404);
        OpenTicketEndpoint.Validate(command, new NamedCustomer(new CustomerProfile { Id = CustomerId, Status = CustomerStatus.Erased }))
            .Detail.ShouldBe("Erased customers take no new tickets.");
        OpenTicketEndpoint.Validate(command, new NamedCustomer(new CustomerProfile { Id = CustomerId })).ShouldBeSameAs(Problems.None);
    }

    // --- comments and the first response ---

    [Fact]
    public void the_first_public_reply_is_the_first_response_and_a_later_one_does_not_move_it()
    {
        var ticket = Opened();
        var at = At(TimeSpan.FromHours(1));

        var (response, events) = CommentOnTicketEndpoint.Post(new CommentOnTicket(1, " We are on it. ", Public: true), ticket,
            Callers.Support("sam"), _clock);

        events.ShouldHaveSingleItem().ShouldBe(new TicketCommented(response.CommentId, "sam", "We are on it.", true, at));
        response.Version.ShouldBe(2);
        var answered = Fold<Ticket>.Apply(ticket, events);
        answered.FirstResponseAt.ShouldBe(at);
        answered.DueAt(SlaTarget.FirstResponse).ShouldBeNull();

        At(TimeSpan.FromHours(2));
        var (_, later) = CommentOnTicketEndpoint.Post(new CommentOnTicket(2, "Still on it.", Public: true), answered, Callers.Support("sam"), _clock);
        Fold<Ticket>.Apply(answered, later).FirstResponseAt.ShouldBe(at);
    }

    [Fact]
    public void an_internal_note_is_no_response_to_the_customer()
    {
        var ticket = Opened();
        At(TimeSpan.FromHours(1));

        var (_, events) = CommentOnTicketEndpoint.Post(new CommentOnTicket(1, "Looks like the crank."), ticket, Callers.Support("sam"), _clock);

        events.ShouldHaveSingleItem().ShouldBeOfType<TicketCommented>().Public.ShouldBeFalse();
        var noted = Fold<Ticket>.Apply(ticket, events);
        noted.FirstResponseAt.ShouldBeNull();
        noted.DueAt(SlaTarget.FirstResponse).ShouldBe(T0.AddHours(8));
    }

    [Fact]
    public void a_closed_ticket_takes_no_comments()
    {
        var closed = Fold<Ticket>.Apply(Opened(), [new TicketResolved("Fixed", T0.AddHours(1)), new TicketClosed(T0.AddHours(2))]);

        var problem = CommentOnTicketEndpoint.Validate(new CommentOnTicket(3, "Hello?"), closed);

        problem.Status.ShouldBe(422);
        problem.Title.ShouldBe("The ticket is closed.");
        problem.Detail.ShouldBe("You can comment on a ticket that is open or waiting on the customer or resolved.");
    }

    // --- waiting on the customer ---

    [Fact]
    public void waiting_on_the_customer_stops_the_clock_and_resuming_moves_every_due_time_by_the_wait()
    {
        var ticket = Opened();
        var waitedAt = At(TimeSpan.FromHours(2));

        var (waitingAt, waitEvents) = WaitOnCustomerEndpoint.Post(new WaitOnCustomer(1), ticket, _clock);
        waitEvents.ShouldHaveSingleItem().ShouldBe(new TicketWaitingOnCustomer(waitedAt));
        waitingAt.Version.ShouldBe(2);
        var waiting = Fold<Ticket>.Apply(ticket, waitEvents);
        waiting.Status.ShouldBe(TicketStatus.WaitingOnCustomer);
        waiting.DueAt(SlaTarget.FirstResponse).ShouldBeNull();
        waiting.DueAt(SlaTarget.Resolution).ShouldBeNull();

        var resumedAt = At(TimeSpan.FromHours(5));
        var (_, resumeEvents, messages) = ResumeTicketEndpoint.Post(new ResumeTicket(2), waiting, _clock);

        resumeEvents.ShouldHaveSingleItem().ShouldBe(new TicketResumed(resumedAt));
        Checks(messages).ShouldBe([
            (ticket.Id, SlaTarget.FirstResponse, T0.AddHours(8 + 3)),
            (ticket.Id, SlaTarget.Resolution, T0.AddDays(3).AddHours(3)),
        ]);
        Fold<Ticket>.Apply(waiting, resumeEvents).DueAt(SlaTarget.FirstResponse).ShouldBe(T0.AddHours(11));
    }

    [Fact]
    public void only_an_open_ticket_waits_and_only_a_waiting_one_resumes()
    {
        var waiting = Fold<Ticket>.Apply(Opened(), new TicketWaitingOnCustomer(T0.AddHours(1)));

        WaitOnCustomerEndpoint.Validate(new WaitOnCustomer(2), waiting).Title.ShouldBe("The ticket is waiting on the customer.");
        var resume = ResumeTicketEndpoint.Validate(new ResumeTicket(1), Opened());
        resume.Status.ShouldBe(422);
        resume.Detail.ShouldBe("You can resume a ticket that is waiting on the customer.");
    }

    // --- resolving, reopening, closing ---

    [Fact]
    public void resolving_answers_the_customer_and_stops_the_resolution_clock()
    {
        var ticket = Opened();
        var at = At(TimeSpan.FromHours(10));

        ResolveTicketEndpoint.Validate(new ResolveTicket(1, "Fixed"), ticket).ShouldBeSameAs(Problems.None);
        var (response, events) = ResolveTicketEndpoint.Post(new ResolveTicket(1, "  Replaced the crank. "), ticket, _clock);

        events.ShouldHaveSingleItem().ShouldBe(new TicketResolved("Replaced the crank.", at));
        response.Version.ShouldBe(2);
        var resolved = Fold<Ticket>.Apply(ticket, events);
        resolved.Status.ShouldBe(TicketStatus.Resolved);
        resolved.FirstResponseAt.ShouldBe(at);
        resolved.DueAt(SlaTarget.Resolution).ShouldBeNull();
    }

    [Fact]
    public void a_waiting_ticket_resolves_and_a_resolved_one_does_not_resolve_again()
    {
        var waiting = Fold<Ticket>.Apply(Opened(), new TicketWaitingOnCustomer(T0.AddHours(1)));
        ResolveTicketEndpoint.Validate(new ResolveTicket(2, "Fixed"), waiting).ShouldBeSameAs(Problems.None);

        var resolved = Fold<Ticket>.Apply(waiting, new TicketResolved("Fixed", T0.AddHours(2)));
        ResolveTicketEndpoint.Validate(new ResolveTicket(3, "Fixed"), resolved).Title.ShouldBe("The ticket is resolved.");
        ResolveTicketEndpoint.Validate(new ResolveTicket(2, " "), waiting).ShouldBeOfType<HttpValidationProblemDetails>()
            .Errors.Keys.ShouldBe(["resolution"]);
    }

    [Fact]
    public void a_reopened_ticket_continues_its_resolution_clock_where_it_stopped()
    {
        var resolved = Fold<Ticket>.Apply(Opened(), new TicketResolved("Fixed", T0.AddHours(10)));
        var at = At(TimeSpan.FromHours(30));

        ReopenTicketEndpoint.Validate(new ReopenTicket(2), resolved).ShouldBeSameAs(Problems.None);
        var (response, events, messages) = ReopenTicketEndpoint.Post(new ReopenTicket(2, " "), resolved, _clock);

        events.ShouldHaveSingleItem().ShouldBe(new TicketReopened(null, at));
        response.Version.ShouldBe(3);
        // Resolved for 20 hours: the resolution is due 20 hours later than promised; the first response was given.
        Checks(messages).ShouldBe([(resolved.Id, SlaTarget.Resolution, T0.AddDays(3).AddHours(20))]);
        var reopened = Fold<Ticket>.Apply(resolved, events);
        reopened.Status.ShouldBe(TicketStatus.Open);
        reopened.ResolvedAt.ShouldBeNull();
    }

    [Fact]
    public void only_a_resolved_ticket_is_reopened_or_closed()
    {
        var open = Opened();

        ReopenTicketEndpoint.Validate(new ReopenTicket(1), open).Detail.ShouldBe("You can reopen a ticket that is resolved.");
        CloseTicketEndpoint.Validate(new CloseTicket(1), open).Detail.ShouldBe("You can close a ticket that is resolved.");

        var resolved = Fold<Ticket>.Apply(open, new TicketResolved("Fixed", T0.AddHours(1)));
        var at = At(TimeSpan.FromHours(2));
        CloseTicketEndpoint.Validate(new CloseTicket(2), resolved).ShouldBeSameAs(Problems.None);
        CloseTicketEndpoint.Post(new CloseTicket(2), resolved, _clock).Item2.ShouldHaveSingleItem().ShouldBe(new TicketClosed(at));

        var closed = Fold<Ticket>.Apply(resolved, new TicketClosed(at));
        ReopenTicketEndpoint.Validate(new ReopenTicket(3), closed).Title.ShouldBe("The ticket is closed.");
    }

    [Fact]
    public void a_stale_version_is_a_conflict_naming_the_current_one()
    {
        var problem = ResolveTicketEndpoint.Validate(new ResolveTicket(4, "Fixed"), Opened());

        problem.Status.ShouldBe(409);
        problem.Extensions["currentVersion"].ShouldBe(1);
    }

    // --- satisfaction ---

    [Fact]
    public void satisfaction_is_recorded_once_the_ticket_is_resolved_and_only_once()
    {
        var open = Opened();
        var resolved = Fold<Ticket>.Apply(open, new TicketResolved("Fixed", T0.AddHours(1)));
        var closed = Fold<Ticket>.Apply(resolved, new TicketClosed(T0.AddHours(2)));
        var at = At(TimeSpan.FromHours(3));

        RecordSatisfactionEndpoint.Validate(new RecordSatisfaction(1, 5), open).Detail
            .ShouldBe("You can record satisfaction for a ticket that is resolved or closed.");
        RecordSatisfactionEndpoint.Validate(new RecordSatisfaction(3, 5), closed).ShouldBeSameAs(Problems.None);
        var (_, events) = RecordSatisfactionEndpoint.Post(new RecordSatisfaction(2, 4, "  Quick.  "), resolved, _clock);
        events.ShouldHaveSingleItem().ShouldBe(new SatisfactionRecorded(4, "Quick.", at));

        var again = RecordSatisfactionEndpoint.Validate(new RecordSatisfaction(3, 5), Fold<Ticket>.Apply(resolved, events));
        again.Status.ShouldBe(422);
        again.Detail.ShouldBe("The customer gave 4.");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(6)]
    public void a_score_is_one_to_five(int score) =>
        RecordSatisfactionEndpoint.Validate(new RecordSatisfaction(2, score), Fold<Ticket>.Apply(Opened(), new TicketResolved("Fixed", T0)))
            .ShouldBeOfType<HttpValidationProblemDetails>().Errors.Keys.ShouldBe(["score"]);

    // --- priority and assignment ---

    [Fact]
    public void a_new_priority_brings_its_targets_counted_from_the_opening()
    {
        var ticket = Opened();
        var at = At(TimeSpan.FromMinutes(30));

        var (response, events, messages) = ChangeTicketPriorityEndpoint.Post(new ChangeTicketPriority(1, TicketPriority.High), ticket, _rules, _clock);

        events.ShouldHaveSingleItem().ShouldBe(new TicketPriorityChanged(TicketPriority.Normal, TicketPriority.High,
            new SlaPolicy(TimeSpan.FromHours(2), TimeSpan.FromDays(1), null), at));
        Checks(messages).ShouldBe([(ticket.Id, SlaTarget.FirstResponse, T0.AddHours(2)), (ticket.Id, SlaTarget.Resolution, T0.AddDays(1))]);
        response.Version.ShouldBe(2);
    }

    [Fact]
    public void the_same_priority_or_assignee_again_changes_nothing()
    {
        var ticket = Opened();
        var (samePriority, noEvents, noChecks) = ChangeTicketPriorityEndpoint.Post(new ChangeTicketPriority(1, TicketPriority.Normal), ticket, _rules, _clock);
        noEvents.ShouldBeEmpty();
        noChecks.ShouldBeEmpty();
        samePriority.Version.ShouldBe(1);

        var assigned = Fold<Ticket>.Apply(ticket, new TicketAssigned("sam", T0));
        AssignTicketEndpoint.Post(new AssignTicket(2, " sam "), assigned, _clock).Item2.ShouldBeEmpty();
        AssignTicketEndpoint.Post(new AssignTicket(2, " kim "), assigned, _clock).Item2.ShouldHaveSingleItem()
            .ShouldBe(new TicketAssigned("kim", T0));
    }
}
