using System.Text.Json;
using EventCrm.Customers;
using EventCrm.Demo;

namespace EventCrm.Tests.Demo;

public class when_demo_customers_are_generated
{
    private static readonly DateTimeOffset Until = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly CustomerRules Rules = new();

    private static List<DemoStream> Population(int count, int seed = 42) =>
        Enumerable.Range(0, count).SelectMany(i => DemoCustomers.Generate(i, seed, Until, Rules))
            .Where(s => s.AggregateType == typeof(Customer)).ToList();

    private static List<DemoStream> Everything(int count, int seed = 42) =>
        Enumerable.Range(0, count).SelectMany(i => DemoCustomers.Generate(i, seed, Until, Rules)).ToList();

    [Fact]
    public void the_same_seed_gives_the_same_customers_and_a_smaller_run_is_a_prefix()
    {
        static string Json(IEnumerable<DemoStream> streams) => JsonSerializer.Serialize(
            streams.Select(s => new { s.Id, Events = s.Events.Select(e => new { Type = e.Event.GetType().Name, e.Event, e.At }) }));

        Json(Everything(150)).ShouldBe(Json(Everything(150)));
        var sixty = Everything(60);
        Json(Everything(150).Take(sixty.Count)).ShouldBe(Json(sixty));
        Json(Everything(50, seed: 7)).ShouldNotBe(Json(Everything(50)));
    }

    [Fact]
    public void every_history_starts_as_its_kind_does_and_stays_in_order_within_its_two_years()
    {
        foreach (var stream in Everything(300))
        {
            var first = stream.Events[0].Event;
            if (stream.AggregateType == typeof(Customer)) first.ShouldBeOfType<CustomerRegistered>();
            else if (stream.AggregateType == typeof(EventCrm.Sales.Opportunity)) first.ShouldBeOfType<EventCrm.Sales.OpportunityOpened>();
            else if (stream.AggregateType == typeof(EventCrm.Sales.Lead)) first.ShouldBeOfType<EventCrm.Sales.LeadCaptured>();
            else if (stream.AggregateType == typeof(EventCrm.Service.Ticket)) first.ShouldBeOfType<EventCrm.Service.TicketOpened>();
            else first.ShouldBeOfType<EventCrm.Sales.ActivityLogged>();
            stream.Events.ShouldAllBe(e => e.At <= Until.AddDays(1) && e.At >= Until.AddDays(-760));
            stream.Events.Select(e => e.At).ShouldBeInOrder();
        }
    }

    [Fact]
    public void deals_are_won_more_often_from_referrals_and_with_more_work()
    {
        var all = Everything(3000);
        var activitiesPerDeal = all.Where(s => s.AggregateType == typeof(EventCrm.Sales.Activity))
            .Select(s => (EventCrm.Sales.ActivityLogged)s.Events[0].Event)
            .Where(a => a.Kind != EventCrm.Sales.ActivityKind.Task)
            .GroupBy(a => a.Regarding.Id).ToDictionary(g => g.Key, g => g.Count());
        var closed = all.Where(s => s.AggregateType == typeof(EventCrm.Sales.Opportunity))
            .Select(s => (Id: s.Id, Opened: (EventCrm.Sales.OpportunityOpened)s.Events[0].Event,
                Won: s.Events.Any(e => e.Event is EventCrm.Sales.OpportunityWon),
                Closed: s.Events.Any(e => e.Event is EventCrm.Sales.OpportunityWon or EventCrm.Sales.OpportunityLost)))
            .Where(d => d.Closed).ToList();

        double WinRate(IEnumerable<(Guid Id, EventCrm.Sales.OpportunityOpened Opened, bool Won, bool Closed)> deals) =>
            deals.Average(d => d.Won ? 1.0 : 0.0);

        closed.Count.ShouldBeGreaterThan(300);
        WinRate(closed.Where(d => d.Opened.Source == "referral")).ShouldBeGreaterThan(WinRate(closed.Where(d => d.Opened.Source == "ads")));
        WinRate(closed.Where(d => activitiesPerDeal.GetValueOrDefault(d.Id) >= 5))
            .ShouldBeGreaterThan(WinRate(closed.Where(d => activitiesPerDeal.GetValueOrDefault(d.Id) <= 1)));
    }

    [Fact]
    public void a_won_deal_is_a_purchase_of_its_customer()
    {
        var all = Everything(500);
        var won = all.Where(s => s.AggregateType == typeof(EventCrm.Sales.Opportunity) && s.Events.Any(e => e.Event is EventCrm.Sales.OpportunityWon))
            .ToList();
        won.Count.ShouldBeGreaterThan(20);
        foreach (var deal in won)
        {
            var customerId = ((EventCrm.Sales.OpportunityOpened)deal.Events[0].Event).CustomerId;
            var customer = all.Single(s => s.Id == customerId);
            customer.Events.Select(e => e.Event).OfType<PurchaseRecorded>().ShouldContain(p => p.PurchaseId == deal.Id);
        }
    }

    [Fact]
    public void spending_rises_with_income()
    {
        var customers = Population(1500)
            .Select(s => (Registered: (CustomerRegistered)s.Events[0].Event,
                Spent: s.Events.Select(e => e.Event).OfType<PurchaseRecorded>().Sum(p => (double)p.Amount),
                Days: Math.Max(30, (Until - s.Events[0].At).TotalDays)))
            .Where(c => c.Registered.Demographics?.AnnualIncome is not null)
            .Select(c => (Income: (double)c.Registered.Demographics!.AnnualIncome!.Value, PerYear: c.Spent / c.Days * 365))
            .ToList();

        var correlation = Pearson(customers.Select(c => c.Income).ToList(), customers.Select(c => c.PerYear).ToList());
        correlation.ShouldBeGreaterThan(0.3);
    }

    [Fact]
    public void purchases_peak_before_christmas()
    {
        var byMonth = Population(1500).SelectMany(s => s.Events).Where(e => e.Event is PurchaseRecorded)
            .GroupBy(e => (e.At.Year, e.At.Month)).ToDictionary(g => g.Key, g => g.Count());

        // November 2025 against the January after it: the customer base only grows between them, so more
        // purchases in November can come only from the season.
        byMonth[(2025, 11)].ShouldBeGreaterThan((int)(byMonth[(2026, 1)] * 1.2));
    }

    [Fact]
    public void some_people_are_registered_twice_with_the_same_phone()
    {
        var streams = Population(300);
        var phones = streams.Select(s => ((CustomerRegistered)s.Events[0].Event).Phone).Where(p => p is not null).ToList();

        streams.Count.ShouldBe(303);
        phones.GroupBy(p => p).Count(g => g.Count() > 1).ShouldBeGreaterThanOrEqualTo(3);
        streams.Select(s => ((CustomerRegistered)s.Events[0].Event).Email).Distinct().Count().ShouldBe(303);
    }

    private static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        var mx = x.Average();
        var my = y.Average();
        var cov = x.Zip(y).Sum(p => (p.First - mx) * (p.Second - my));
        return cov / Math.Sqrt(x.Sum(v => (v - mx) * (v - mx)) * y.Sum(v => (v - my) * (v - my)));
    }

    [Fact]
    public void complaints_come_before_customers_leave_and_some_promises_are_broken()
    {
        var all = Everything(3000);
        var tickets = all.Where(s => s.AggregateType == typeof(EventCrm.Service.Ticket)).ToList();
        var customers = all.Where(s => s.AggregateType == typeof(Customer)).ToDictionary(s => s.Id);

        double ComplaintsPerCustomer(IEnumerable<Guid> ids)
        {
            var set = ids.ToHashSet();
            return (double)tickets.Count(t => t.Events[0].Event is EventCrm.Service.TicketOpened { Kind: EventCrm.Service.TicketKind.Complaint } opened
                                              && set.Contains(opened.CustomerId)) / Math.Max(1, set.Count);
        }

        var leavers = customers.Values.Where(c => c.Events.Any(e => e.Event is CustomerDeactivated)).Select(c => c.Id).ToList();
        var stayers = customers.Values.Where(c => c.Events.All(e => e.Event is not CustomerDeactivated)).Select(c => c.Id).ToList();
        leavers.Count.ShouldBeGreaterThan(20);
        ComplaintsPerCustomer(leavers).ShouldBeGreaterThan(2 * ComplaintsPerCustomer(stayers));

        var breached = tickets.Count(t => t.Events.Any(e => e.Event is EventCrm.Service.SlaBreached));
        breached.ShouldBeGreaterThan(tickets.Count / 50);
        breached.ShouldBeLessThan(tickets.Count / 2);
    }

    [Fact]
    public void an_entity_draws_the_numbers_of_its_seed_and_ids_of_its_own()
    {
        var (customer, ticket, plain) = (new DemoRandom(1583, "customer", 1), new DemoRandom(1583, "service", 2), new Random(1583));
        for (var n = 0; n < 50; n++)
        {
            var expected = plain.Next();
            customer.Next().ShouldBe(expected);
            ticket.Next().ShouldBe(expected);
        }
        customer.NextId().ShouldNotBe(ticket.NextId());
        new DemoRandom(7, "sales", 3).NextId().ShouldBe(new DemoRandom(7, "sales", 3).NextId());
    }

    [Fact]
    public void customers_sales_and_tickets_whose_draws_meet_still_get_ids_of_their_own()
    {
        // The per-entity seeds (31 bits; a seed and its negative draw alike) of a customer, its sales and its tickets meet
        // for some pairs of numbers: at 350,000 customers 172 pairs draw the same sequence, and where two drew an id at
        // the same point, a seed of that size failed on a duplicate stream. Every such pair generated, every id distinct.
        const int Customers = 350_000;
        static int Abs(int seed) => seed == int.MinValue ? int.MaxValue : Math.Abs(seed);
        var seeds = new Dictionary<int, int>();
        var meeting = new HashSet<int>();
        foreach (var (a, b, c) in new[] { (7919, 104729, 0), (6007, 92821, 17), (4481, 15401, 29) })
            for (var index = 0; index < Customers; index++)
            {
                var seed = Abs(unchecked(42 * a + index * b + c));
                if (seeds.TryGetValue(seed, out var other)) meeting.UnionWith([other, index]);
                else seeds[seed] = index;
            }
        meeting.Count.ShouldBeGreaterThan(100);

        var streams = meeting.SelectMany(index => DemoCustomers.Generate(index, 42, Until, Rules)).ToList();
        streams.Select(s => s.Id).ShouldBeUnique();
        streams.SelectMany(s => s.Events).Select(e => e.Event).OfType<PurchaseRecorded>().Select(p => p.PurchaseId).ShouldBeUnique();
    }
}
