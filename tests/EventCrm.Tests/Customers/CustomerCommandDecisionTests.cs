using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using Microsoft.Extensions.Time.Testing;

namespace EventCrm.Tests.Customers;

/// <summary>The decisions of the customer commands, without HTTP or a database.</summary>
public class when_customer_commands_are_decided
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 9, 30, 0, TimeSpan.Zero);
    private static readonly FakeTimeProvider Clock = new(Now);

    private static Customer Customer(int version = 4) => new()
    {
        Id = Guid.NewGuid(), Version = version, Name = "Grace", Email = "grace@navy.mil", Tags = ["a", "b"],
    };

    [Fact]
    public void tags_already_there_are_not_added_and_absent_ones_not_removed()
    {
        var (response, events) = ChangeTagsEndpoint.Post(new ChangeTags(4, ["A", "c", "c "], ["b", "x"]), Customer(), Clock);

        events.Count.ShouldBe(2);
        events[0].ShouldBeOfType<TagsAdded>().Tags.ShouldBe(["c"]);
        events[1].ShouldBeOfType<TagsRemoved>().Tags.ShouldBe(["b"]);
        response.Version.ShouldBe(6);
    }

    [Fact]
    public void the_same_owner_again_is_no_event_and_null_unassigns()
    {
        var customer = Customer() with { Owner = "sally" };

        AssignOwnerEndpoint.Post(new AssignOwner(4, " sally "), customer, Clock).Item2.ShouldBeEmpty();
        AssignOwnerEndpoint.Post(new AssignOwner(4, null), customer, Clock).Item2.ShouldHaveSingleItem()
            .ShouldBe(new OwnerUnassigned(Now));
    }

    [Fact]
    public void a_purchase_keeps_its_time_and_normalises_currency_and_names()
    {
        var at = Now.AddDays(-1);
        var (response, events) = RecordPurchaseEndpoint.Post(new RecordPurchase(4, 12.5m, " usd", " Mug ", "Merch", at), Customer(), Clock);

        var purchase = events.ShouldHaveSingleItem().ShouldBeOfType<PurchaseRecorded>();
        purchase.Currency.ShouldBe("USD");
        purchase.Product.ShouldBe("Mug");
        purchase.PurchasedAt.ShouldBe(at);
        response.PurchaseId.ShouldBe(purchase.PurchaseId);
    }

    [Fact]
    public void an_inactive_customer_is_refused_a_purchase_with_a_422()
    {
        var customer = Customer() with { Status = CustomerStatus.Inactive };

        var problem = RecordPurchaseEndpoint.Validate(new RecordPurchase(4, 1, "EUR", "P", "C"), customer, Clock);

        problem.Status.ShouldBe(422);
    }

    [Fact]
    public void a_merge_hands_over_purchases_new_tags_and_consents()
    {
        var survivor = Customer();
        var duplicate = Customer(version: 3) with
        {
            Tags = ["b", "z"],
            Purchases = [new PurchaseRecorded(Guid.NewGuid(), 10, "EUR", "P", "C", Now.AddDays(-5))],
            Consents = [new ConsentDecision(ConsentChannel.Sms, "offers", true, "web", Now.AddDays(-4))],
        };

        var (merged, mergedInto) = MergeCustomersEndpoint.Decide(survivor, duplicate, Now);

        merged.DuplicateId.ShouldBe(duplicate.Id);
        merged.Purchases.ShouldBe(duplicate.Purchases);
        merged.Tags.ShouldBe(["z"]);
        merged.Consents.ShouldBe(duplicate.Consents);
        mergedInto.ShouldBe(new CustomerMergedInto(survivor.Id, Now));
    }

    [Fact]
    public void an_erasure_masks_the_stream_tells_the_other_contexts_erases_merged_duplicates_and_forgets_duplicate_pairs()
    {
        var duplicate = Guid.NewGuid();
        var customer = Customer() with { MergedDuplicates = [duplicate] };

        var (response, events, messages, forget) = EraseCustomerEndpoint.Post(new EraseCustomer(4, " DSR-17 "), customer, Clock);

        events.ShouldHaveSingleItem().ShouldBe(new CustomerErased("DSR-17", Now));
        messages.ShouldBe([new MaskErasedCustomer(customer.Id), new CustomerWasErased(customer.Id, "DSR-17"),
            new EraseMergedCustomer(duplicate, "DSR-17")]);
        forget.ShouldBe(new DuplicateScan.Forget(customer.Id));
        response.Version.ShouldBe(5);
    }

    [Fact]
    public void a_merged_customer_refuses_commands_and_names_its_survivor()
    {
        var customer = Customer() with { Status = CustomerStatus.Merged, MergedInto = Guid.NewGuid() };

        var problem = new FieldErrors().ForCommand(4, customer);

        problem.Status.ShouldBe(422);
        problem.Extensions["survivorId"].ShouldBe(customer.MergedInto);
    }

    [Fact]
    public void the_latest_consent_decision_stands_whatever_the_order_it_arrives_in()
    {
        var early = new ConsentDecision(ConsentChannel.Email, "news", true, "form", Now.AddDays(-2));
        var late = new ConsentDecision(ConsentChannel.Email, "news", false, "call", Now.AddDays(-1));

        Consent.Decide(Consent.Decide([], early), late).ShouldBe([late]);
        Consent.Decide(Consent.Decide([], late), early).ShouldBe([late]);
    }

    [Theory]
    [InlineData("de", "DE")]
    [InlineData("DEU", "DE")]
    [InlineData("Germany", "DE")]
    [InlineData("Deutschland", "DE")]
    [InlineData("united kingdom", "GB")]
    [InlineData("Atlantis", null)]
    public void countries_become_iso_alpha_2(string input, string? expected) =>
        Demographic.NormaliseCountry(input).ShouldBe(expected);

    [Fact]
    public void only_an_age_without_a_birth_date_is_kept_and_nothing_known_is_null()
    {
        Demographic.From(new ChangeDemographics(1, new DateOnly(1990, 1, 1), 30)).ShouldBe(
            new Demographics(new DateOnly(1990, 1, 1), null, null, null, null, null));
        Demographic.From(new ChangeDemographics(1)).ShouldBeNull();
    }
}
