using EventCrm.Infrastructure.Http;
using Microsoft.AspNetCore.Mvc;

namespace EventCrm.Analytics;

/// <summary>
/// The days a trend or breakdown covers, both ends inclusive (UTC). Without them: the current month and the
/// eleven before it, as of the application's today.
/// </summary>
public class PeriodFilter
{
    public const int MaxMonths = 120;

    /// <summary>First day (yyyy-MM-dd).</summary>
    [FromQuery(Name = "from")] public DateOnly? From { get; set; }
    /// <summary>Last day (yyyy-MM-dd).</summary>
    [FromQuery(Name = "to")] public DateOnly? To { get; set; }

    public (DateOnly From, DateOnly To) Resolve(DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var to = To ?? today;
        var from = From ?? new DateOnly(to.Year, to.Month, 1).AddMonths(-11);
        return (from, to);
    }

    /// <summary>The half-open instant range [from 00:00, day after to 00:00) in UTC.</summary>
    public static (DateTimeOffset Start, DateTimeOffset End) Instants((DateOnly From, DateOnly To) period) =>
        (new DateTimeOffset(period.From.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero),
         new DateTimeOffset(period.To.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));

    /// <summary>
    /// How many of the period's months (counted from the start) are over as of <paramref name="now"/>: the rest are
    /// partial, and a chart draws them as such rather than as a collapse.
    /// </summary>
    public static int CompleteMonths((DateOnly From, DateOnly To) period, DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        return Months(period).Count(m => DateOnly.ParseExact(m + "-01", "yyyy-MM-dd").AddMonths(1) <= today);
    }

    /// <summary>Every month the period touches, as yyyy-MM.</summary>
    public static IReadOnlyList<string> Months((DateOnly From, DateOnly To) period)
    {
        var months = new List<string>();
        for (var month = new DateOnly(period.From.Year, period.From.Month, 1); month <= period.To; month = month.AddMonths(1))
            months.Add(month.ToString("yyyy-MM"));
        return months;
    }
}

public static class PeriodChecks
{
    public static FieldErrors CheckPeriod(this FieldErrors errors, PeriodFilter period, DateTimeOffset now)
    {
        if (period.From > period.To) return errors.Add("from", "'from' must not be after 'to'.");
        var (from, to) = period.Resolve(now);
        if ((to.Year - from.Year) * 12 + to.Month - from.Month >= PeriodFilter.MaxMonths)
            errors.Add("from", $"A period spans at most {PeriodFilter.MaxMonths} months.");
        return errors;
    }
}
