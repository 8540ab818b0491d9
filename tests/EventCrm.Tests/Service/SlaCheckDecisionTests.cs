using EventCrm.Infrastructure;
using EventCrm.Service;
using Microsoft.Extensions.Time.Testing;
using static EventCrm.Tests.Service.when_ticket_commands_are_decided;

namespace EventCrm.Tests.Service;

/// <summary>What a scheduled SLA check decides when it fires: nothing, a later check, or one breach and an escalation.</summary>
public class when_a_promised_time_falls_due
{
    private static readonly ServiceRules Rules = new();

    private static Ticket Opened(TicketPriority priority = TicketPriority.Normal, ServiceRules? rules = null) =>
        Fold<Ticket>.Apply(null, new TicketOpened(Guid.NewGuid(), TicketKind.Complaint, "Engine stopped", "It stopped.", priority, "email",
            (rules ?? Rules).PolicyFor(priority), T0)) with { Id = Guid.NewGuid() };

    private static (Wolverine.Marten.Events Events, Wolverine.OutgoingMessages Messages) Check(Ticket ticket, SlaTarget target,
        TimeSpan sinceOpening, ServiceRules? rules = null) =>
        CheckTicketSlaHandler.Handle(new CheckTicketSla(ticket.Id, target), ticket, rules ?? Rules, new FakeTimeProvider(T0 + sinceOpening));

    [Fact]
    public void a_missed_first_response_is_a_breach_and_the_ticket_is_raised_a_level_into_the_escalation_queue()
    {
        var ticket = Opened();
        var at = T0.AddHours(8);

        var (events, messages) = Check(ticket, SlaTarget.FirstResponse, TimeSpan.FromHours(8));

        var high = new SlaPolicy(TimeSpan.FromHours(2), TimeSpan.FromDays(1), null);
        events.ShouldBe([
            new SlaBreached(SlaTarget.FirstResponse, at, at),
            new TicketEscalated(TicketPriority.Normal, TicketPriority.High, "escalations", high, at),
        ]);
        // The broken promise is not checked again; the resolution is now due on the higher priority's terms.
        Checks(messages).ShouldBe([(ticket.Id, SlaTarget.Resolution, T0.AddDays(1))]);

        var escalated = Fold<Ticket>.Apply(ticket, events);
        escalated.Priority.ShouldBe(TicketPriority.High);
        escalated.Queue.ShouldBe("escalations");
        escalated.Breached.ShouldBe([SlaTarget.FirstResponse]);
    }

    [Fact]
    public void a_promise_is_breached_once_however_often_its_check_arrives()
    {
        var ticket = Opened();
        var (events, _) = Check(ticket, SlaTarget.FirstResponse, TimeSpan.FromHours(8));

        var (again, messages) = Check(Fold<Ticket>.Apply(ticket, events), SlaTarget.FirstResponse, TimeSpan.FromHours(9));

        again.ShouldBeEmpty();
        messages.ShouldBeEmpty();
    }

    [Fact]
    public void a_check_that_arrives_before_a_moved_due_time_is_scheduled_again_for_it()
    {
        // Waited on the customer for three hours: the first response is due at 11 hours, not 8.
        var ticket = Fold<Ticket>.Apply(Opened(), [new TicketWaitingOnCustomer(T0.AddHours(2)), new TicketResumed(T0.AddHours(5))]);

        var (events, messages) = Check(ticket, SlaTarget.FirstResponse, TimeSpan.FromHours(8));

        events.ShouldBeEmpty();
        Checks(messages).ShouldBe([(ticket.Id, SlaTarget.FirstResponse, T0.AddHours(11))]);
    }

    [Fact]
    public void no_breach_while_the_clock_is_paused()
    {
        var waiting = Fold<Ticket>.Apply(Opened(), new TicketWaitingOnCustomer(T0.AddHours(2)));

        var (events, messages) = Check(waiting, SlaTarget.FirstResponse, TimeSpan.FromHours(9));

        events.ShouldBeEmpty();
        messages.ShouldBeEmpty();
    }

    [Fact]
    public void a_promise_broken_before_the_pause_began_is_still_a_breach()
    {
        // Urgent: a response within 30 minutes; the check comes late, after the ticket went to wait at one hour.
        var waiting = Fold<Ticket>.Apply(Opened(TicketPriority.Urgent), new TicketWaitingOnCustomer(T0.AddHours(1)));

        var (events, _) = Check(waiting, SlaTarget.FirstResponse, TimeSpan.FromHours(2));

        events[0].ShouldBe(new SlaBreached(SlaTarget.FirstResponse, T0.AddMinutes(30), T0.AddHours(2)));
    }

    [Fact]
    public void no_breach_when_the_promise_was_kept()
    {
        var answered = Fold<Ticket>.Apply(Opened(), new TicketCommented(Guid.NewGuid(), "sam", "On it.", true, T0.AddHours(7)));
        var resolved = Fold<Ticket>.Apply(answered, new TicketResolved("Fixed", T0.AddDays(2)));

        Check(answered, SlaTarget.FirstResponse, TimeSpan.FromHours(8)).Events.ShouldBeEmpty();
        Check(resolved, SlaTarget.Resolution, TimeSpan.FromDays(3)).Events.ShouldBeEmpty();
    }

    [Fact]
    public void an_urgent_ticket_cannot_be_raised_further_but_still_moves_to_the_queue()
    {
        var ticket = Opened(TicketPriority.Urgent);
        var at = T0.AddMinutes(30);

        var (events, messages) = Check(ticket, SlaTarget.FirstResponse, TimeSpan.FromMinutes(30));

        events.ShouldBe([
            new SlaBreached(SlaTarget.FirstResponse, at, at),
            new TicketEscalated(TicketPriority.Urgent, TicketPriority.Urgent, "escalations", ticket.Sla, at),
        ]);
        Checks(messages).ShouldBe([(ticket.Id, SlaTarget.Resolution, T0.AddHours(4))]);
    }

    [Fact]
    public void with_nowhere_to_escalate_a_breach_is_only_recorded()
    {
        var rules = new ServiceRules { EscalationQueue = null };
        var ticket = Opened(TicketPriority.Urgent, rules);

        var (events, _) = Check(ticket, SlaTarget.Resolution, TimeSpan.FromHours(5), rules);

        events.ShouldHaveSingleItem().ShouldBe(new SlaBreached(SlaTarget.Resolution, T0.AddHours(4), T0.AddHours(5)));
    }

    [Fact]
    public void when_escalation_only_moves_the_queue_the_priority_and_its_promises_stay()
    {
        var rules = new ServiceRules { EscalationRaisesPriority = false, EscalationQueue = "tier-2" };
        var ticket = Opened(TicketPriority.Normal, rules);
        var at = T0.AddDays(3);

        var (events, _) = Check(ticket, SlaTarget.Resolution, TimeSpan.FromDays(3), rules);

        events.ShouldBe([
            new SlaBreached(SlaTarget.Resolution, at, at),
            new TicketEscalated(TicketPriority.Normal, TicketPriority.Normal, "tier-2", ticket.Sla, at),
        ]);
        var escalated = Fold<Ticket>.Apply(ticket, events);
        escalated.Priority.ShouldBe(TicketPriority.Normal);
        escalated.Queue.ShouldBe("tier-2");
    }

    [Fact]
    public void a_raised_priority_keeps_the_business_hours_the_ticket_was_promised_under()
    {
        var rules = new ServiceRules { BusinessHours = new BusinessHoursSettings() };
        var ticket = Opened(TicketPriority.Normal, rules);
        var due = ticket.DueAt(SlaTarget.FirstResponse)!.Value;

        var (events, _) = Check(ticket, SlaTarget.FirstResponse, due - T0, rules);

        var escalated = events[1].ShouldBeOfType<TicketEscalated>();
        escalated.Sla.BusinessHours.ShouldBeSameAs(ticket.Sla.BusinessHours);
        escalated.Sla.FirstResponseWithin.ShouldBe(TimeSpan.FromHours(2));
    }
}
