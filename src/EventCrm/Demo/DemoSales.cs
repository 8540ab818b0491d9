using EventCrm.Infrastructure;
using static EventCrm.Demo.DemoDraws;
using System.Security.Claims;
using Bogus;
using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using EventCrm.Sales;
using Microsoft.AspNetCore.Mvc;

namespace EventCrm.Demo;

/// <summary>The sales side of one demo customer: streams of its own, and purchases for the customer's stream.</summary>
public sealed record DemoSalesResult(IReadOnlyList<DemoStream> Streams, IReadOnlyList<(object Event, DateTimeOffset At)> CustomerEvents);

/// <summary>
/// Leads, opportunities and activities for demo customers, made by the real commands. Whether a deal is won
/// depends on what a model could learn from: its source (referrals and events win more, ads less), the work
/// put in (activities), its size (large deals win less) and the customer's income; open deals are the recent
/// ones. Some people only ever stay leads.
/// </summary>
public static class DemoSales
{
    private static readonly string[] Products = ["Platform licence", "Support plan", "Onboarding package", "Analytics add-on", "Training", "Integration project"];
    private static readonly string[] LossReasons = ["price", "went with a competitor", "no budget", "timing", "no decision"];
    private static readonly string[] DisqualifyReasons = ["no budget", "not a fit", "student", "duplicate enquiry", "unreachable"];

    public static DemoSalesResult Generate(int index, int seed, DateTimeOffset until, DemoCustomerFacts customer, Faker faker,
        CustomerRules rules)
    {
        var random = new DemoRandom(unchecked(seed * 6007 + index * 92821 + 17), "sales", index);
        var streams = new List<DemoStream>();
        var purchases = new List<(object, DateTimeOffset)>();

        // About one in three customers get deals; some of those started as a lead.
        var deals = random.NextDouble() < 0.35 ? 1 + random.Next(3) : 0;
        for (var n = 0; n < deals; n++)
        {
            var opensAt = customer.RegisteredAt.AddDays(random.Next(1, 400)).AddMinutes(random.Next(0, 600));
            if (opensAt >= customer.ActiveUntil.AddDays(-5)) continue;
            streams.AddRange(Deal(random, opensAt, until, customer, purchases, rules));
        }

        // Some people never become customers.
        if (random.NextDouble() < 0.15) streams.Add(StandaloneLead(index, random, faker, customer, until, rules));

        return new DemoSalesResult(streams, purchases);
    }

    private static IEnumerable<DemoStream> Deal(DemoRandom random, DateTimeOffset opensAt, DateTimeOffset until,
        DemoCustomerFacts customer, List<(object, DateTimeOffset)> purchases, CustomerRules rules)
    {
        var owner = customer.Owner ?? $"sales{1 + random.Next(8)}";
        var user = User(owner);
        var clock = new DemoClock { Now = opensAt };
        var id = NewId(random);
        var streams = new List<DemoStream>();

        Guid? leadId = null;
        if (random.NextDouble() < 0.4)
        {
            var lead = Lead(random, customer.Name, customer.Email, customer.Phone, customer.Source, opensAt.AddDays(-random.Next(3, 20)), rules);
            leadId = lead.Id;
            streams.Add(lead);
        }

        // Wealthier customers buy bigger.
        var amount = Math.Round((decimal)(1200 * Math.Sqrt((double)(customer.Income ?? 40_000m) / 40_000) * Math.Exp(0.7 * Normal(random))), 0);
        amount = Math.Clamp(amount, 200m, 250_000m);
        var open = new OpenOpportunity(customer.Id, Products[random.Next(Products.Length)], amount, rules.HouseCurrency,
            DateOnly.FromDateTime(opensAt.AddDays(random.Next(20, 120)).UtcDateTime), owner, customer.Source);
        Check(OpenOpportunityEndpoint.Validate(open, new NamedCustomer(new CustomerProfile { Id = customer.Id }), user, clock), open);
        var (_, start) = OpenOpportunityEndpoint.Post(open, user, clock);
        var opened = (OpportunityOpened)start.Events.Single();
        if (leadId is { } from) opened = opened with { SourceLeadId = from };
        var events = new List<(object, DateTimeOffset)> { (opened, opensAt) };
        var opportunity = Fold<Opportunity>.Apply(null, opened) with { Id = id };

        void Record(IEnumerable<object> produced, DateTimeOffset at)
        {
            foreach (var e in produced)
            {
                events.Add((e, at));
                opportunity = Fold<Opportunity>.Apply(opportunity, e);
            }
        }

        // The work put in, and the odds that come with it.
        var effort = Poisson(random, 3.0);
        var income = (double)(customer.Income ?? 40_000m);
        var logit = -0.4 + customer.Source switch { "referral" => 0.9, "event" => 0.4, "ads" => -0.6, _ => 0.0 }
                    + 0.28 * effort - 0.45 * Math.Log((double)amount / 2000) + (income > 60_000 ? 0.35 : 0) + 0.4 * Normal(random);
        var wins = random.NextDouble() < 1 / (1 + Math.Exp(-logit));
        var lastStage = wins
            ? (random.NextDouble() < 0.6 ? OpportunityStage.Negotiation : OpportunityStage.Proposal)
            : Stages.Open[random.Next(Stages.Open.Length)];

        var at = opensAt;
        var stillOpen = false;
        foreach (var stage in Stages.Open.Skip(1).TakeWhile(s => s <= lastStage))
        {
            at = at.AddDays(3 + random.Next(15)).AddMinutes(random.Next(0, 480));
            if (at >= until || at >= customer.ActiveUntil) { stillOpen = true; break; }
            clock.Now = at;
            var move = new MoveOpportunityStage(opportunity.Version, stage);
            Check(MoveOpportunityStageEndpoint.Validate(move, opportunity, user), move);
            Record(MoveOpportunityStageEndpoint.Post(move, opportunity, clock).Item2, at);
        }

        if (!stillOpen && random.NextDouble() < 0.25)
        {
            var newAmount = Math.Round(opportunity.Amount * (decimal)(0.8 + 0.4 * random.NextDouble()), 0);
            var change = new ChangeOpportunityAmount(opportunity.Version, newAmount);
            clock.Now = at = at.AddHours(random.Next(1, 48));
            if (at < until && at < customer.ActiveUntil)
            {
                Check(ChangeOpportunityAmountEndpoint.Validate(change, opportunity, user), change);
                Record(ChangeOpportunityAmountEndpoint.Post(change, opportunity, clock).Item2, at);
            }
            else stillOpen = true;
        }

        var closesAt = at.AddDays(2 + random.Next(20)).AddMinutes(random.Next(0, 480));
        if (!stillOpen && closesAt < until && closesAt < customer.ActiveUntil)
        {
            clock.Now = closesAt;
            if (wins)
            {
                var win = new WinOpportunity(opportunity.Version);
                Check(WinOpportunityEndpoint.Validate(win, opportunity, user), win);
                var (_, produced, messages) = WinOpportunityEndpoint.Post(win, opportunity, new SalesRules(), clock);
                Record(produced, closesAt);
                // The customer context's own handler turns the won deal into the purchase.
                foreach (var message in messages.OfType<RecordOpportunityPurchase>())
                {
                    var (purchase, _) = RecordOpportunityPurchaseHandler.Handle(message, customer.Customer,
                        Microsoft.Extensions.Logging.Abstractions.NullLogger<Customer>.Instance);
                    purchases.AddRange(purchase.Select(p => (p, closesAt)));
                }
            }
            else
            {
                var lose = new LoseOpportunity(opportunity.Version, LossReasons[random.Next(LossReasons.Length)]);
                Check(LoseOpportunityEndpoint.Validate(lose, opportunity, user), lose);
                Record(LoseOpportunityEndpoint.Post(lose, opportunity, clock).Item2, closesAt);
            }
        }
        var end = opportunity.IsOpen ? (until < customer.ActiveUntil ? until : customer.ActiveUntil) : closesAt;

        streams.Add(new DemoStream(id, typeof(Opportunity), events));
        if (leadId is { } converted)
        {
            var lead = streams.Single(s => s.Id == converted);
            streams[streams.IndexOf(lead)] = lead with
            {
                Events = [.. lead.Events, (new LeadConverted(customer.Id, false, id, opensAt), opensAt)],
            };
        }

        // Calls, e-mails and meetings while the deal was worked on; a follow-up task for open deals.
        var regarding = new RegardingSubject(new Regarding(RegardingType.Opportunity, id, customer.Id), "opportunity");
        for (var n = 0; n < effort; n++)
        {
            var when = opensAt + TimeSpan.FromTicks((long)((end - opensAt).Ticks * random.NextDouble()));
            var kind = (ActivityKind)random.Next(0, 3);
            streams.Add(Activity(random, new LogActivity(kind, $"{kind} about {open.Title}", null, when), regarding, user, when));
        }
        if (opportunity.IsOpen)
        {
            var due = end.AddDays(random.Next(-10, 10));
            var task = new LogActivity(ActivityKind.Task, $"Follow up on {open.Title}", null, end.AddDays(-1), due);
            streams.Add(Activity(random, task, regarding, user, end.AddDays(-1)));
        }
        return streams;
    }

    private static DemoStream Lead(DemoRandom random, string name, string email, string? phone, string source,
        DateTimeOffset capturedAt, CustomerRules rules)
    {
        var clock = new DemoClock { Now = capturedAt };
        var user = User("sales1");
        var capture = new CaptureLead(name, email, phone, null, source);
        Check(CaptureLeadEndpoint.Validate(capture, rules), capture);
        var captured = (LeadCaptured)CaptureLeadEndpoint.Post(capture, rules, clock).Item2.Events.Single();
        var lead = Fold<Lead>.Apply(null, captured);
        var qualifiedAt = capturedAt.AddDays(1 + random.Next(3));
        clock.Now = qualifiedAt;
        var qualify = new QualifyLead(1);
        Check(QualifyLeadEndpoint.Validate(qualify, lead), qualify);
        _ = user;
        return new DemoStream(NewId(random), typeof(Lead),
            [(captured, capturedAt), (QualifyLeadEndpoint.Post(qualify, lead, clock).Item2.Single(), qualifiedAt)]);
    }

    private static DemoStream StandaloneLead(int index, DemoRandom random, Faker faker, DemoCustomerFacts near,
        DateTimeOffset until, CustomerRules rules)
    {
        var first = faker.Name.FirstName();
        var last = faker.Name.LastName();
        var capturedAt = near.RegisteredAt.AddDays(random.Next(0, 200));
        if (capturedAt >= until) capturedAt = until.AddDays(-1);
        var clock = new DemoClock { Now = capturedAt };
        var capture = new CaptureLead($"{first} {last}", $"lead.{index}.{random.Next(1000)}@prospects.example.com", null,
            faker.Company.CompanyName(), random.NextDouble() < 0.5 ? "web form" : "trade fair");
        Check(CaptureLeadEndpoint.Validate(capture, rules), capture);
        var captured = (LeadCaptured)CaptureLeadEndpoint.Post(capture, rules, clock).Item2.Events.Single();
        var events = new List<(object, DateTimeOffset)> { (captured, capturedAt) };
        var lead = Fold<Lead>.Apply(null, captured);

        var roll = random.NextDouble();
        if (roll < 0.6)
        {
            var at = capturedAt.AddDays(1 + random.Next(10));
            if (at < until)
            {
                clock.Now = at;
                if (roll < 0.2)
                {
                    var qualify = new QualifyLead(1);
                    Check(QualifyLeadEndpoint.Validate(qualify, lead), qualify);
                    events.Add((QualifyLeadEndpoint.Post(qualify, lead, clock).Item2.Single(), at));
                }
                else
                {
                    var disqualify = new DisqualifyLead(1, DisqualifyReasons[random.Next(DisqualifyReasons.Length)]);
                    Check(DisqualifyLeadEndpoint.Validate(disqualify, lead), disqualify);
                    events.Add((DisqualifyLeadEndpoint.Post(disqualify, lead, clock).Item2.Single(), at));
                }
            }
        }
        return new DemoStream(NewId(random), typeof(Lead), events);
    }

    private static DemoStream Activity(DemoRandom random, LogActivity command, RegardingSubject regarding, ClaimsPrincipal user,
        DateTimeOffset at)
    {
        var clock = new DemoClock { Now = at };
        Check(LogActivityEndpoint.Validate(command, regarding, user, clock), command);
        var (_, start) = LogActivityEndpoint.Decide(command, regarding, user, clock);
        return new DemoStream(NewId(random), typeof(Activity), [(start.Events.Single(), at)]);
    }

    private static ClaimsPrincipal User(string name) => DemoDraws.User(name, Roles.Sales);
}
