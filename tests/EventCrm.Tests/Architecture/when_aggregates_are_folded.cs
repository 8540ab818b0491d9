using System.Text.Json;
using EventCrm.Customers;
using EventCrm.Infrastructure;
using EventCrm.Marketing;
using EventCrm.Sales;
using EventCrm.Service;
using EventCrm.Tests.Customers;

namespace EventCrm.Tests.Architecture;

/// <summary>
/// Each aggregate is an immutable record folded by its own Create and Apply methods, the same ones Marten folds its
/// stream with; nothing keeps a second list of its events.
/// </summary>
public sealed class when_aggregates_are_folded
{
    private static readonly CodeGraph Graph = CodeGraph.Of(typeof(Program).Assembly);

    public static TheoryData<Type, string> Aggregates => new()
    {
        { typeof(Customer), "Customers/CustomerEvents.cs" },
        { typeof(Lead), "Sales/LeadEvents.cs" },
        { typeof(Opportunity), "Sales/OpportunityEvents.cs" },
        { typeof(Activity), "Sales/ActivityEvents.cs" },
        { typeof(Ticket), "Service/TicketEvents.cs" },
        { typeof(Audience), "Marketing/AudienceEvents.cs" },
        { typeof(Campaign), "Marketing/CampaignEvents.cs" },
        { typeof(CampaignRecipient), "Marketing/CampaignRecipientEvents.cs" },
        { typeof(Suppression), "Marketing/SuppressionEvents.cs" },
    };

    [Theory]
    [MemberData(nameof(Aggregates))]
    public void every_event_of_the_stream_has_its_create_or_apply_and_nothing_else_has(Type aggregate, string eventsFile)
    {
        var declared = Graph.FileOfType.Where(t => t.Value == eventsFile).Select(t => t.Key).Order().ToList();
        declared.ShouldNotBeEmpty();
        var folded = ((IEnumerable<Type>)typeof(Fold<>).MakeGenericType(aggregate).GetProperty("EventTypes")!.GetValue(null)!)
            .Select(t => t.FullName!).Order().ToList();

        folded.ShouldBe(declared, $"{aggregate.Name} must fold exactly the events in {eventsFile}.");
    }

    [Theory]
    [MemberData(nameof(Aggregates))]
    public void an_aggregate_is_an_immutable_record(Type aggregate, string _)
    {
        aggregate.GetMethod("<Clone>$").ShouldNotBeNull($"{aggregate.Name} is a record.");
        var mutable = aggregate.GetProperties()
            .Where(p => p.SetMethod is { IsPublic: true } setter
                        && !setter.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(System.Runtime.CompilerServices.IsExternalInit)))
            .Select(p => p.Name).ToList();
        mutable.ShouldBeEmpty();
        aggregate.GetMethods().Where(m => m.Name == "Apply").ShouldAllBe(m => m.ReturnType == aggregate);
    }

    [Fact]
    public void folding_returns_new_states_one_version_on_and_leaves_the_old_one_as_it_was()
    {
        var at = new DateTimeOffset(2026, 5, 1, 9, 0, 0, TimeSpan.Zero);
        var registered = Fold<Customer>.Apply(null, new CustomerRegistered("Ada", "ada@example.com", null, at));
        var tagged = Fold<Customer>.Apply(registered, new TagsAdded(["vip"], at));
        var untouched = Fold<Customer>.Apply(tagged, new OwnerUnassigned(at)); // changes nothing but the version

        registered.Version.ShouldBe(1);
        registered.Tags.ShouldBeEmpty();
        tagged.Version.ShouldBe(2);
        tagged.Tags.ShouldBe(["vip"]);
        untouched.Version.ShouldBe(3);
        tagged.Version.ShouldBe(2);
        Should.Throw<InvalidOperationException>(() => Fold<Customer>.Apply(tagged, new LeadQualified(at)))
            .Message.ShouldContain("no Create or Apply method for LeadQualified");
    }

    internal static string Json(object state) => JsonSerializer.Serialize(state, state.GetType());
}

/// <summary>The in-memory fold and Marten's fold of a real stream come out the same.</summary>
[Collection(AppCollection.Name)]
public sealed class when_a_stored_customer_is_folded(AppFixture app)
{
    [Fact]
    public async Task the_fold_of_its_events_is_the_aggregate_marten_loads()
    {
        var id = await app.Register(AppFixture.NewEmail("fold"));
        var version = await app.Succeed(id, "tags", new { version = 1, add = new[] { "vip", "b2b" } });
        version = await app.Succeed(id, "owner", new { version, owner = "sally" });
        await app.Succeed(id, "purchases", new { version, amount = 12.5m, currency = "EUR", product = "Mug", category = "Merch" });

        await using var session = app.Store.LightweightSession();
        var events = await session.Events.FetchStreamAsync(id);
        var loaded = (await session.Events.FetchForWriting<Customer>(id)).Aggregate!;
        var folded = Fold<Customer>.Apply(null, events.Select(e => e.Data)) with { Id = id };

        when_aggregates_are_folded.Json(folded).ShouldBe(when_aggregates_are_folded.Json(loaded));
        folded.Version.ShouldBe(4);
    }
}
