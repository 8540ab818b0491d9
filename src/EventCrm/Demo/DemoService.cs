using EventCrm.Infrastructure;
using static EventCrm.Demo.DemoDraws;
using System.Security.Claims;
using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using EventCrm.Sales;
using EventCrm.Service;
using Microsoft.AspNetCore.Mvc;

namespace EventCrm.Demo;

/// <summary>
/// Tickets for demo customers, made by the real commands and SLA checks. Customers who buy more ask more;
/// customers who are about to leave complain first, and are seldom satisfied; a slow answer now and then
/// breaks a promise and escalates the ticket.
/// </summary>
public static class DemoService
{
    private static readonly string[] Inquiries = ["Where is my order?", "How do I change my address?", "Invoice copy", "Product question", "Password reset"];
    private static readonly string[] Complaints = ["Damaged delivery", "Charged twice", "Late delivery", "Rude support", "Product broke"];
    private static readonly string[] Feedback = ["Great service", "Suggestion for the app", "Loved the product"];
    private static readonly string[] Channels = ["email", "phone", "chat", "web"];

    public static IReadOnlyList<DemoStream> Generate(int index, int seed, DateTimeOffset until, DemoCustomerFacts customer,
        ServiceRules rules)
    {
        var random = new DemoRandom(unchecked(seed * 4481 + index * 15401 + 29), "service", index);
        var streams = new List<DemoStream>();
        var churned = customer.ActiveUntil < until.AddDays(-1);

        // Everyday tickets, more for customers who buy more.
        var everyday = Poisson(random, 0.4 + customer.Customer.Purchases.Count / 12.0);
        for (var n = 0; n < everyday; n++)
        {
            var span = (customer.ActiveUntil - customer.RegisteredAt).TotalDays;
            if (span < 2) break;
            var at = customer.RegisteredAt.AddDays(1 + random.NextDouble() * (span - 1));
            var roll = random.NextDouble();
            var kind = roll < 0.72 ? TicketKind.Inquiry : roll < 0.87 ? TicketKind.Complaint : TicketKind.Feedback;
            streams.Add(Ticket(random, customer, kind, at, until, rules, unhappy: false));
        }

        // Those who leave often complain in the weeks before.
        if (churned && random.NextDouble() < 0.65)
        {
            var complaints = 1 + random.Next(2);
            for (var n = 0; n < complaints; n++)
            {
                var at = customer.ActiveUntil.AddDays(-random.Next(3, 60));
                if (at > customer.RegisteredAt) streams.Add(Ticket(random, customer, TicketKind.Complaint, at, until, rules, unhappy: true));
            }
        }
        return streams;
    }

    private static DemoStream Ticket(DemoRandom random, DemoCustomerFacts customer, TicketKind kind, DateTimeOffset openedAt,
        DateTimeOffset until, ServiceRules rules, bool unhappy)
    {
        var clock = new DemoClock { Now = openedAt };
        var agent = User($"support{1 + random.Next(5)}");
        var priorityRoll = random.NextDouble();
        var priority = kind == TicketKind.Complaint && unhappy
            ? TicketPriority.High
            : priorityRoll < 0.2 ? TicketPriority.Low : priorityRoll < 0.75 ? TicketPriority.Normal
                : priorityRoll < 0.95 ? TicketPriority.High : TicketPriority.Urgent;
        var subjects = kind switch { TicketKind.Inquiry => Inquiries, TicketKind.Complaint => Complaints, _ => Feedback };
        var open = new OpenTicket(customer.Id, kind, subjects[random.Next(subjects.Length)], "As described on the phone.",
            priority, Channels[random.Next(Channels.Length)]);
        Check(OpenTicketEndpoint.Validate(open, new NamedCustomer(new CustomerProfile { Id = customer.Id })), open);
        var (_, start, _) = OpenTicketEndpoint.Post(open, rules, clock);
        var id = NewId(random);
        var events = new List<(object, DateTimeOffset)>();
        Ticket ticket = null!;

        void Record(IEnumerable<object> produced, DateTimeOffset at)
        {
            var list = produced.ToList();
            foreach (var e in list) events.Add((e, at));
            ticket = Fold<Ticket>.Apply(ticket, list);
            if (ticket.Id != id) ticket = ticket with { Id = id };
        }

        // Promises kept or broken: the scheduled check runs at each due time the answer has not beaten.
        bool Before(DateTimeOffset when) => when < until;
        DateTimeOffset After(DateTimeOffset when) => when <= events[^1].Item2 ? events[^1].Item2.AddMinutes(1) : when;
        void ChecksUntil(DateTimeOffset when)
        {
            foreach (var target in Enum.GetValues<SlaTarget>())
            {
                if (ticket.DueAt(target) is { } due && due < when && Before(due))
                {
                    // The check runs at the due time, or at once if that passed during the last step.
                    var checkedAt = due < events[^1].Item2 ? events[^1].Item2 : due;
                    clock.Now = checkedAt;
                    var (produced, _) = CheckTicketSlaHandler.Handle(new CheckTicketSla(id, target), ticket, rules, clock);
                    if (produced.Count > 0) Record(produced, checkedAt);
                }
            }
        }

        Record(start.Events, openedAt);
        var at = openedAt.AddMinutes(random.Next(1, 30));
        if (!Before(at)) return new DemoStream(id, typeof(Ticket), events);
        clock.Now = at;
        Record(AssignTicketEndpoint.Post(new AssignTicket(ticket.Version, agent.Identity!.Name!), ticket, clock).Item2, at);

        // Answered mostly well within the promise; now and then (and more for unhappy customers) too late.
        var promise = ticket.Sla.FirstResponseWithin;
        var slowness = Math.Exp((unhappy ? 0.1 : -0.9) + 0.8 * Normal(random));
        at = After(openedAt + promise * Math.Min(slowness, 6));
        ChecksUntil(at);
        at = After(at);
        if (!Before(at)) return new DemoStream(id, typeof(Ticket), events);
        clock.Now = at;
        var reply = new CommentOnTicket(ticket.Version, "Thank you for reaching out; we are looking into it.", true);
        Check(CommentOnTicketEndpoint.Validate(reply, ticket), reply);
        Record(CommentOnTicketEndpoint.Post(reply, ticket, agent, clock).Item2
            .Select(e => e is TicketCommented comment ? comment with { CommentId = NewId(random) } : e), at);

        if (random.NextDouble() < 0.2)
        {
            at = at.AddHours(random.Next(1, 6));
            if (!Before(at)) return new DemoStream(id, typeof(Ticket), events);
            clock.Now = at;
            Record(WaitOnCustomerEndpoint.Post(new WaitOnCustomer(ticket.Version), ticket, clock).Item2, at);
            at = at.AddHours(random.Next(2, 48));
            if (!Before(at)) return new DemoStream(id, typeof(Ticket), events);
            clock.Now = at;
            Record(ResumeTicketEndpoint.Post(new ResumeTicket(ticket.Version), ticket, clock).Item2, at);
        }

        at = After(at + ticket.Sla.ResolutionWithin * Math.Min(Math.Exp((unhappy ? 0.0 : -1.2) + 0.7 * Normal(random)), 5));
        ChecksUntil(at);
        at = After(at);
        if (!Before(at)) return new DemoStream(id, typeof(Ticket), events);
        clock.Now = at;
        var resolve = new ResolveTicket(ticket.Version, kind == TicketKind.Complaint ? "Apologised and compensated." : "Answered.");
        Check(ResolveTicketEndpoint.Validate(resolve, ticket), resolve);
        Record(ResolveTicketEndpoint.Post(resolve, ticket, clock).Item2, at);

        // Now and then the fix does not hold.
        if (random.NextDouble() < (kind == TicketKind.Complaint ? 0.12 : 0.04))
        {
            at = at.AddHours(random.Next(4, 96));
            if (!Before(at)) return new DemoStream(id, typeof(Ticket), events);
            clock.Now = at;
            Record(ReopenTicketEndpoint.Post(new ReopenTicket(ticket.Version, "Still not working"), ticket, clock).Item2, at);
            at = at.AddHours(random.Next(2, 48));
            ChecksUntil(at);
            at = After(at);
            if (!Before(at)) return new DemoStream(id, typeof(Ticket), events);
            clock.Now = at;
            Record(ResolveTicketEndpoint.Post(new ResolveTicket(ticket.Version, "Fixed for good."), ticket, clock).Item2, at);
        }

        if (random.NextDouble() < 0.6)
        {
            at = at.AddHours(random.Next(1, 72));
            if (!Before(at)) return new DemoStream(id, typeof(Ticket), events);
            clock.Now = at;
            var score = Math.Clamp((int)Math.Round((unhappy ? 1.8 : kind == TicketKind.Complaint ? 3.2 : 4.3)
                                                   - (ticket.Breached.Count > 0 ? 1 : 0) + 0.8 * Normal(random)), 1, 5);
            Record(RecordSatisfactionEndpoint.Post(new RecordSatisfaction(ticket.Version, score), ticket, clock).Item2, at);
        }

        at = at.AddDays(random.Next(1, 5));
        if (Before(at))
        {
            clock.Now = at;
            Record(CloseTicketEndpoint.Post(new CloseTicket(ticket.Version), ticket, clock).Item2, at);
        }
        return new DemoStream(id, typeof(Ticket), events);
    }

    private static ClaimsPrincipal User(string name) => DemoDraws.User(name, Roles.Support);
}
