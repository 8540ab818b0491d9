using EventCrm.Customers;

namespace EventCrm.Marketing;

/// <summary>What is known about a recipient when its mail is about to go.</summary>
public sealed record RecipientFacts(CustomerProfile? Profile, bool Suppressed, int RecentSends);

/// <summary>Send it, skip it (with the reason recorded), or hold it until a time.</summary>
public abstract record RecipientDecision
{
    public sealed record Send : RecipientDecision;
    public sealed record Skip(string Reason) : RecipientDecision;
    public sealed record Defer(DateTimeOffset Until, string Reason) : RecipientDecision;

    /// <summary>
    /// The rules, in the order they win: only active customers with an address; the suppression list over
    /// everything; a granted e-mail consent for the campaign's purpose; the frequency cap; then quiet hours in the
    /// customer's time zone, where known.
    /// </summary>
    public static RecipientDecision Decide(RecipientFacts facts, string purpose, SendingRules rules, DateTimeOffset now)
    {
        if (facts.Profile is not { Status: CustomerStatus.Active } profile) return new Skip(SkipReasons.NotActive);
        if (string.IsNullOrWhiteSpace(profile.Email)) return new Skip(SkipReasons.NoAddress);
        if (facts.Suppressed) return new Skip(SkipReasons.Suppressed);
        if (!Consent.IsGranted(profile.Consents, ConsentChannel.Email, purpose)) return new Skip(SkipReasons.NoConsent);
        if (facts.RecentSends >= rules.FrequencyCap) return new Skip(SkipReasons.FrequencyCap);
        return QuietHours.Until(profile.TimeZone, rules.QuietHoursStart, rules.QuietHoursEnd, now) is { } until
            ? new Defer(until, "quiet hours")
            : new Send();
    }
}

public static class QuietHours
{
    /// <summary>When quiet hours end, if <paramref name="now"/> is within them in <paramref name="timeZone"/>; null otherwise or when the zone is unknown.</summary>
    public static DateTimeOffset? Until(string? timeZone, TimeOnly start, TimeOnly end, DateTimeOffset now)
    {
        if (start == end || timeZone is null || !TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out var zone)) return null;
        var local = TimeZoneInfo.ConvertTime(now, zone);
        var time = TimeOnly.FromDateTime(local.DateTime);
        var quiet = start < end ? time >= start && time < end : time >= start || time < end;
        if (!quiet) return null;
        var endDay = DateOnly.FromDateTime(local.DateTime);
        if (time >= end && start >= end) endDay = endDay.AddDays(1);
        var localEnd = endDay.ToDateTime(end);
        // A clock change at that moment: the first valid instant after it.
        while (zone.IsInvalidTime(localEnd)) localEnd = localEnd.AddMinutes(30);
        return new DateTimeOffset(localEnd, zone.GetUtcOffset(localEnd)).ToUniversalTime();
    }
}
