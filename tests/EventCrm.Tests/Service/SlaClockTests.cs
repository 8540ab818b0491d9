using EventCrm.Service;

namespace EventCrm.Tests.Service;

public class when_the_sla_clock_counts_time
{
    private static readonly DateTimeOffset Monday9 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly BusinessHours Office = new(new TimeOnly(9, 0), new TimeOnly(17, 0),
        [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday], "UTC");

    [Fact]
    public void around_the_clock_it_is_plain_elapsed_time() =>
        SlaClock.DueAt(Monday9, TimeSpan.FromHours(8), [], null).ShouldBe(Monday9.AddHours(8));

    [Fact]
    public void pauses_push_the_due_time_back_by_their_length()
    {
        SlaPause[] pauses = [new(Monday9.AddHours(1), Monday9.AddHours(4)), new(Monday9.AddHours(5), Monday9.AddHours(6))];
        SlaClock.DueAt(Monday9, TimeSpan.FromHours(8), pauses, null).ShouldBe(Monday9.AddHours(12));
        SlaClock.Elapsed(Monday9, Monday9.AddHours(12), pauses, null).ShouldBe(TimeSpan.FromHours(8));
    }

    [Fact]
    public void an_open_pause_before_the_due_time_leaves_it_unknown_and_one_after_does_not_matter()
    {
        SlaClock.DueAt(Monday9, TimeSpan.FromHours(8), [new(Monday9.AddHours(2), null)], null).ShouldBeNull();
        SlaClock.DueAt(Monday9, TimeSpan.FromHours(8), [new(Monday9.AddHours(9), null)], null).ShouldBe(Monday9.AddHours(8));
    }

    [Fact]
    public void with_business_hours_it_runs_only_inside_them()
    {
        // Friday 15:00 + 4 h of office time: 2 h on Friday, 2 h on Monday morning.
        var friday15 = new DateTimeOffset(2026, 11, 27, 15, 0, 0, TimeSpan.Zero);
        SlaClock.DueAt(friday15, TimeSpan.FromHours(4), [], Office).ShouldBe(new DateTimeOffset(2026, 11, 30, 11, 0, 0, TimeSpan.Zero));

        // Opened Saturday night: the clock starts Monday at nine.
        var saturday = new DateTimeOffset(2026, 11, 28, 22, 0, 0, TimeSpan.Zero);
        SlaClock.DueAt(saturday, TimeSpan.FromMinutes(30), [], Office).ShouldBe(new DateTimeOffset(2026, 11, 30, 9, 30, 0, TimeSpan.Zero));

        SlaClock.Elapsed(friday15, new DateTimeOffset(2026, 11, 30, 11, 0, 0, TimeSpan.Zero), [], Office).ShouldBe(TimeSpan.FromHours(4));
    }

    [Fact]
    public void business_hours_follow_their_time_zone()
    {
        var berlin = Office with { TimeZone = "Europe/Berlin" };
        // 07:30 UTC on a Monday in winter is 08:30 in Berlin: the clock starts at 08:00 UTC.
        var opened = new DateTimeOffset(2026, 11, 23, 7, 30, 0, TimeSpan.Zero);
        SlaClock.DueAt(opened, TimeSpan.FromHours(1), [], berlin).ShouldBe(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
    }
}
