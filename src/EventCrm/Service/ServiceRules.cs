namespace EventCrm.Service;

/// <summary>Service settings (section <c>Service</c>).</summary>
public sealed class ServiceRules
{
    public const string Section = "Service";

    /// <summary>Promised times per priority: first response, then resolution.</summary>
    public Dictionary<TicketPriority, SlaTargets> Targets { get; set; } = new()
    {
        [TicketPriority.Low] = new() { FirstResponse = TimeSpan.FromHours(24), Resolution = TimeSpan.FromDays(5) },
        [TicketPriority.Normal] = new() { FirstResponse = TimeSpan.FromHours(8), Resolution = TimeSpan.FromDays(3) },
        [TicketPriority.High] = new() { FirstResponse = TimeSpan.FromHours(2), Resolution = TimeSpan.FromDays(1) },
        [TicketPriority.Urgent] = new() { FirstResponse = TimeSpan.FromMinutes(30), Resolution = TimeSpan.FromHours(4) },
    };

    /// <summary>When set, the SLA clock runs only in these hours.</summary>
    public BusinessHoursSettings? BusinessHours { get; set; }

    /// <summary>What a breach does: raise the priority one level, and/or move the ticket to this queue.</summary>
    public bool EscalationRaisesPriority { get; set; } = true;

    public string? EscalationQueue { get; set; } = "escalations";

    /// <summary>An open ticket is "at risk" when a promised time is less than this away.</summary>
    public TimeSpan AtRiskWithin { get; set; } = TimeSpan.FromHours(1);

    public SlaPolicy PolicyFor(TicketPriority priority)
    {
        var targets = Targets.GetValueOrDefault(priority) ?? new SlaTargets();
        return new SlaPolicy(targets.FirstResponse, targets.Resolution, BusinessHours?.ToBusinessHours());
    }
}

public sealed class SlaTargets
{
    public TimeSpan FirstResponse { get; set; } = TimeSpan.FromHours(8);
    public TimeSpan Resolution { get; set; } = TimeSpan.FromDays(3);
}

public sealed class BusinessHoursSettings
{
    public TimeOnly Start { get; set; } = new(9, 0);
    public TimeOnly End { get; set; } = new(17, 0);
    public DayOfWeek[] Days { get; set; } =
        [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday];
    public string TimeZone { get; set; } = "UTC";

    public BusinessHours ToBusinessHours() => new(Start, End, Days, TimeZone);
}
