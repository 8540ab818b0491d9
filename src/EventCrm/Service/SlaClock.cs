namespace EventCrm.Service;

/// <summary>A stretch during which the SLA clock stood still (waiting on the customer); open while it lasts.</summary>
public sealed record SlaPause(DateTimeOffset From, DateTimeOffset? To);

/// <summary>
/// The SLA clock: time counts from the opening, except while paused and, with business hours, outside them.
/// Pure functions of the events' times, so the same answers come back when read models are rebuilt.
/// </summary>
public static class SlaClock
{
    private const int MaxDays = 3 * 366;

    /// <summary>When <paramref name="target"/> of counted time will have passed, or null while paused before then.</summary>
    public static DateTimeOffset? DueAt(DateTimeOffset start, TimeSpan target, IReadOnlyList<SlaPause> pauses, BusinessHours? hours)
    {
        var remaining = target;
        foreach (var (from, to) in Counting(start, pauses, hours))
        {
            if (to is null || to.Value - from >= remaining) return from + remaining;
            remaining -= to.Value - from;
        }
        return null;
    }

    /// <summary>Counted time between <paramref name="start"/> and <paramref name="until"/>.</summary>
    public static TimeSpan Elapsed(DateTimeOffset start, DateTimeOffset until, IReadOnlyList<SlaPause> pauses, BusinessHours? hours)
    {
        var elapsed = TimeSpan.Zero;
        foreach (var (from, to) in Counting(start, pauses, hours))
        {
            if (from >= until) break;
            var end = to is { } t && t < until ? t : until;
            elapsed += end - from;
        }
        return elapsed;
    }

    /// <summary>The stretches, in order, during which the clock runs.</summary>
    private static IEnumerable<(DateTimeOffset From, DateTimeOffset? To)> Counting(DateTimeOffset start,
        IReadOnlyList<SlaPause> pauses, BusinessHours? hours)
    {
        var ordered = pauses.OrderBy(p => p.From).ToList();
        foreach (var (from, to) in Working(start, hours))
        {
            var cursor = from;
            foreach (var pause in ordered)
            {
                if (pause.To is { } ended && ended <= cursor) continue;
                if (to is { } end && pause.From >= end) break;
                if (pause.From > cursor) yield return (cursor, pause.From);
                if (pause.To is null) yield break; // paused now: the clock stands until someone resumes
                cursor = pause.To.Value > cursor ? pause.To.Value : cursor;
            }
            if (to is null || cursor < to) yield return (cursor, to);
        }
    }

    /// <summary>Working time from <paramref name="start"/>: all of it, or the business hours day by day.</summary>
    private static IEnumerable<(DateTimeOffset From, DateTimeOffset? To)> Working(DateTimeOffset start, BusinessHours? hours)
    {
        if (hours is null)
        {
            yield return (start, null);
            yield break;
        }

        var zone = TimeZoneInfo.FindSystemTimeZoneById(hours.TimeZone);
        var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(start, zone).DateTime);
        for (var n = 0; n < MaxDays; n++, day = day.AddDays(1))
        {
            if (!hours.Days.Contains(day.DayOfWeek)) continue;
            var open = Instant(day, hours.Start, zone);
            var close = Instant(day, hours.End, zone);
            if (close <= start) continue;
            yield return (open > start ? open : start, close);
        }
    }

    private static DateTimeOffset Instant(DateOnly day, TimeOnly time, TimeZoneInfo zone)
    {
        var local = day.ToDateTime(time, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }
}
