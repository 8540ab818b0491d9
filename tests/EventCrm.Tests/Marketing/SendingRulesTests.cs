using EventCrm.Customers;
using EventCrm.Marketing;

namespace EventCrm.Tests.Marketing;

/// <summary>Who gets mail, decided by the rules in the order they win.</summary>
public sealed class SendingRulesTests
{
    private static readonly DateTimeOffset Noon = new(2026, 3, 3, 12, 0, 0, TimeSpan.Zero);
    private static readonly SendingRules Rules = new() { FrequencyCap = 2, QuietHoursStart = new(21, 0), QuietHoursEnd = new(8, 0) };

    private static CustomerProfile Consenting(Action<CustomerProfile>? shape = null)
    {
        var profile = new CustomerProfile
        {
            Id = Guid.NewGuid(), Status = CustomerStatus.Active, Email = "ada@example.com",
            Consents = [new ConsentDecision(ConsentChannel.Email, "newsletter", true, "web", Noon.AddDays(-1))],
        };
        shape?.Invoke(profile);
        return profile;
    }

    private static RecipientDecision Decide(CustomerProfile? profile, bool suppressed = false, int recent = 0, DateTimeOffset? now = null) =>
        RecipientDecision.Decide(new RecipientFacts(profile, suppressed, recent), "newsletter", Rules, now ?? Noon);

    [Fact]
    public void a_consenting_active_customer_with_an_address_gets_the_mail() =>
        Decide(Consenting()).ShouldBeOfType<RecipientDecision.Send>();

    [Fact]
    public void the_suppression_list_wins_over_a_granted_consent() =>
        Decide(Consenting(), suppressed: true).ShouldBe(new RecipientDecision.Skip(SkipReasons.Suppressed));

    [Fact]
    public void consent_must_be_granted_for_the_campaigns_purpose()
    {
        Decide(Consenting(p => p.Consents = [])).ShouldBe(new RecipientDecision.Skip(SkipReasons.NoConsent));
        Decide(Consenting(p => p.Consents = [new ConsentDecision(ConsentChannel.Email, "newsletter", false, "call", Noon)]))
            .ShouldBe(new RecipientDecision.Skip(SkipReasons.NoConsent));
        Decide(Consenting(p => p.Consents = [new ConsentDecision(ConsentChannel.Email, "offers", true, "web", Noon)]))
            .ShouldBe(new RecipientDecision.Skip(SkipReasons.NoConsent));
        Decide(Consenting(p => p.Consents = [new ConsentDecision(ConsentChannel.Sms, "newsletter", true, "web", Noon)]))
            .ShouldBe(new RecipientDecision.Skip(SkipReasons.NoConsent));
    }

    [Fact]
    public void the_frequency_cap_counts_the_mails_in_its_window() =>
        Decide(Consenting(), recent: 2).ShouldBe(new RecipientDecision.Skip(SkipReasons.FrequencyCap));

    [Fact]
    public void inactive_customers_and_missing_addresses_are_skipped()
    {
        Decide(null).ShouldBe(new RecipientDecision.Skip(SkipReasons.NotActive));
        Decide(Consenting(p => p.Status = CustomerStatus.Erased)).ShouldBe(new RecipientDecision.Skip(SkipReasons.NotActive));
        Decide(Consenting(p => p.Email = null)).ShouldBe(new RecipientDecision.Skip(SkipReasons.NoAddress));
    }

    [Fact]
    public void quiet_hours_hold_the_mail_until_morning_in_the_customers_time_zone()
    {
        // 12:00 UTC is 21:00 in Tokyo: held until 08:00 there, 23:00 UTC.
        Decide(Consenting(p => p.TimeZone = "Asia/Tokyo")).ShouldBe(
            new RecipientDecision.Defer(new DateTimeOffset(2026, 3, 3, 23, 0, 0, TimeSpan.Zero), "quiet hours"));
        // 12:00 UTC is 01:00 the next day in Auckland (UTC+13 in March): held until 08:00 that morning, 19:00 UTC.
        Decide(Consenting(p => p.TimeZone = "Pacific/Auckland")).ShouldBe(
            new RecipientDecision.Defer(new DateTimeOffset(2026, 3, 3, 19, 0, 0, TimeSpan.Zero), "quiet hours"));
        Decide(Consenting(p => p.TimeZone = "Europe/Berlin")).ShouldBeOfType<RecipientDecision.Send>();
        // Where the time zone is unknown, there are no quiet hours.
        Decide(Consenting()).ShouldBeOfType<RecipientDecision.Send>();
    }

    [Fact]
    public void a_clock_change_at_the_end_of_quiet_hours_moves_it_to_the_first_valid_time()
    {
        // 2026-03-29 02:00 does not exist in Berlin; quiet hours to 02:00 end at 03:00 CEST, 01:00 UTC.
        QuietHours.Until("Europe/Berlin", new TimeOnly(1, 0), new TimeOnly(2, 0), new DateTimeOffset(2026, 3, 29, 0, 30, 0, TimeSpan.Zero))
            .ShouldBe(new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.Zero));
    }
}
