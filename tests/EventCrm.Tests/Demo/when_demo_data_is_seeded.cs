using EventCrm.Customers;
using EventCrm.Demo;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace EventCrm.Tests.Demo;

[Collection(AppCollection.Name)]
public class when_demo_data_is_seeded(AppFixture app)
{
    [Fact]
    public async Task the_events_are_stored_with_their_history_and_the_profiles_are_built_from_them()
    {
        var until = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        var seed = Random.Shared.Next(1000, int.MaxValue); // a seed no other test uses: fresh e-mail addresses
        var expected = Enumerable.Range(0, 120)
            .SelectMany(i => DemoCustomers.Generate(i, seed, until, new CustomerRules())).ToList();

        var result = await DemoSeeder.Seed(app.Host.Services, 120, seed,
            until, null, CancellationToken.None, daemonRunning: true);

        result.Streams.ShouldBe(expected.Count);
        result.Events.ShouldBe(expected.Sum(s => s.Events.Count));

        await using var session = app.Store.QuerySession();
        var sample = expected.Where(s => s.AggregateType == typeof(Customer))
            .First(s => s.Events.Count(e => e.Event is PurchaseRecorded) > 2);
        var stored = await session.Events.FetchStreamAsync(sample.Id);
        stored.Select(e => e.Data.GetType()).ShouldBe(sample.Events.Select(e => e.Event.GetType()));
        stored.Select(e => e.Timestamp).ShouldBe(sample.Events.Select(e => e.At));
        stored.ShouldAllBe(e => e.UserName == DemoCustomers.User && e.Headers!["source"].ToString() == "seed:demo");

        var profile = await session.LoadAsync<CustomerProfile>(sample.Id);
        profile.ShouldNotBeNull();
        profile.Version.ShouldBe(sample.Events.Count);
        profile.PurchaseCount.ShouldBe(sample.Events.Count(e => e.Event is PurchaseRecorded));
        profile.TotalSpent.ShouldBe(sample.Events.Select(e => e.Event).OfType<PurchaseRecorded>().Sum(p => p.Amount));
    }
}
