using System.Text.Json;
using EventCrm.Customers;
using EventCrm.Demo;

namespace EventCrm.Tests.Demo;

public class when_demo_customers_are_generated
{
    private static readonly DateTimeOffset Until = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly CustomerRules Rules = new();

    private static List<DemoStream> Population(int count, int seed = 42) =>
        Enumerable.Range(0, count).SelectMany(i => DemoCustomers.Generate(i, seed, Until, Rules)).ToList();

    [Fact]
    public void the_same_seed_gives_the_same_customers_and_a_smaller_run_is_a_prefix()
    {
        static string Json(IEnumerable<DemoStream> streams) => JsonSerializer.Serialize(
            streams.Select(s => new { s.Id, Events = s.Events.Select(e => new { Type = e.Event.GetType().Name, e.Event, e.At }) }));

        Json(Population(150)).ShouldBe(Json(Population(150)));
        var sixty = Population(60);
        Json(Population(150).Take(sixty.Count)).ShouldBe(Json(sixty));
        Json(Population(50, seed: 7)).ShouldNotBe(Json(Population(50)));
    }

    [Fact]
    public void every_history_starts_with_a_registration_and_stays_within_its_two_years()
    {
        foreach (var stream in Population(300))
        {
            stream.Events[0].Event.ShouldBeOfType<CustomerRegistered>();
            stream.Events.ShouldAllBe(e => e.At <= Until.AddDays(1) && e.At >= Until.AddDays(-731));
            stream.Events.Select(e => e.At).ShouldBeInOrder();
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
}
