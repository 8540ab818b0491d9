using EventCrm.Models;

namespace EventCrm.Tests.Models;

/// <summary>Who a run learns from as of a cutoff, and what it says about the others.</summary>
public class when_customers_are_left_out_of_a_run
{
    private static readonly DateTimeOffset Start = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Cutoff = Start.AddDays(-180);

    private static CustomerPast Customer(DateTimeOffset registered, params DateTimeOffset[] purchases)
    {
        var past = new CustomerPast { Id = Guid.NewGuid(), RegisteredAt = registered, FirstPurchaseAt = purchases.Length == 0 ? null : purchases.Min() };
        past.Purchases.AddRange(purchases.Select(at => (Guid.NewGuid(), at, 10m)));
        past.Demographics.Add((registered, null, 40, 50_000m, "DE"));
        return past;
    }

    [Fact]
    public void a_customer_registered_by_an_import_is_one_from_its_first_purchase_with_what_the_import_stated()
    {
        var imported = Customer(Start.AddHours(-1), Start.AddDays(-400), Start.AddDays(-30));

        var row = CustomerFeatures.Of(imported, Cutoff).ShouldNotBeNull();

        row.TenureDays.ShouldBe(220f);
        row.Frequency.ShouldBe(1);
        row.Income.ShouldBe(50_000f);
        row.Age.ShouldBe(39f); // 40 as stated at the import in 2026; the cutoff is in December 2025
        row.Churned.ShouldBeFalse();
        CustomerFeatures.Of(imported, Start.AddDays(-401)).ShouldBeNull();
    }

    [Fact]
    public void each_customer_left_out_is_counted_with_its_reason_and_too_few_rows_fail_the_run_saying_so()
    {
        var inactive = Customer(Start.AddDays(-500), Start.AddDays(-300));
        inactive.Activity.Add((Start.AddDays(-200), true));
        CustomerPast[] pasts =
        [
            Customer(Start.AddDays(-500), Start.AddDays(-300)),
            Customer(Start.AddHours(-1), Start.AddDays(-250)),
            Customer(Start.AddHours(-1)),
            Customer(Start.AddHours(-1), Start.AddDays(-10)),
            Customer(Start.AddDays(-10), Start.AddDays(-5)),
            inactive,
            new CustomerPast { Id = Guid.NewGuid(), RegisteredAt = Start.AddDays(-500), Merged = true },
            new CustomerPast { Id = Guid.NewGuid(), RegisteredAt = Start.AddDays(-500), Erased = true },
        ];

        var customers = CustomerRows.Of(pasts, Cutoff);

        customers.Rows.Select(r => r.CustomerId).ShouldBe([pasts[0].Id, pasts[1].Id]);
        customers.LeftOut.ShouldBe(new Dictionary<string, int>
        {
            [LeftOutReasons.NoPurchases] = 1, [LeftOutReasons.RegisteredAfterCutoff] = 2, [LeftOutReasons.InactiveAtCutoff] = 1,
            [LeftOutReasons.Merged] = 1, [LeftOutReasons.Erased] = 1,
        }, ignoreOrder: true);
        var failure = Should.Throw<InsufficientData>(() => customers.Require("customers active at the cutoff"));
        failure.Message.ShouldBe("Only 2 customers active at the cutoff; at least 50 are needed to train and test a model. " +
                                 "Left out: 2 began after the cutoff (registered and first bought later); 1 registered after the cutoff and never bought; " +
                                 "1 inactive at the cutoff; 1 merged into another customer (their purchases count for it); 1 erased.");
        failure.LeftOut.ShouldBe(customers.LeftOut);
    }
}
