using JasperFx;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace EventCrm.Service;

public sealed record TicketComment(Guid Id, string Author, string Text, bool Public, DateTimeOffset At);

/// <summary>A ticket as clients read it (inline), with its SLA state: due times, breaches and measured times.</summary>
public sealed class TicketView : IRevisioned
{
    public Guid Id { get; set; }
    public int Version { get; set; }
    public Guid CustomerId { get; set; }
    public TicketKind Kind { get; set; }
    public string Subject { get; set; } = "";
    public string Description { get; set; } = "";
    public TicketPriority Priority { get; set; }
    public string Channel { get; set; } = "";
    public TicketStatus Status { get; set; }
    public bool IsActive { get; set; } = true;
    public string? Assignee { get; set; }
    public string? Queue { get; set; }
    public DateTimeOffset OpenedAt { get; set; }
    public DateTimeOffset? FirstResponseAt { get; set; }
    public DateTimeOffset? ResolvedAt { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }
    public string? Resolution { get; set; }
    public SlaPolicy Sla { get; set; } = new(TimeSpan.Zero, TimeSpan.Zero, null);
    public List<SlaPause> Pauses { get; set; } = [];

    /// <summary>When the first response is due on the SLA clock; null once given or while the clock stands.</summary>
    public DateTimeOffset? FirstResponseDueAt { get; set; }

    /// <summary>When the resolution is due; null once resolved or while the clock stands.</summary>
    public DateTimeOffset? ResolutionDueAt { get; set; }

    /// <summary>Whether the first response came in time; null until it came or its check found it late.</summary>
    public bool? FirstResponseOnTime { get; set; }

    /// <summary>Whether the (first) resolution came in time; null until it came or its check found it late.</summary>
    public bool? ResolutionOnTime { get; set; }

    public bool FirstResponseBreached { get; set; }
    public bool ResolutionBreached { get; set; }
    public bool Breached { get; set; }

    /// <summary>SLA-clock minutes from opening to the first response, once given.</summary>
    public double? FirstResponseMinutes { get; set; }

    /// <summary>SLA-clock minutes from opening to the (latest) resolution.</summary>
    public double? ResolutionMinutes { get; set; }

    public int ReopenCount { get; set; }
    public bool EverResolved { get; set; }
    public int? Satisfaction { get; set; }
    public string? SatisfactionComment { get; set; }
    public List<TicketComment> Comments { get; set; } = [];
}

public partial class TicketViewProjection : SingleStreamProjection<TicketView, Guid>
{
    public TicketView Create(IEvent<TicketOpened> opened)
    {
        var view = new TicketView
        {
            Id = opened.StreamId,
            CustomerId = opened.Data.CustomerId,
            Kind = opened.Data.Kind,
            Subject = opened.Data.Subject,
            Description = opened.Data.Description,
            Priority = opened.Data.Priority,
            Channel = opened.Data.Channel,
            OpenedAt = opened.Data.OpenedAt,
            Sla = opened.Data.Sla,
        };
        Due(view);
        return view;
    }

    public void Apply(TicketAssigned assigned, TicketView view) => view.Assignee = assigned.Assignee;

    public void Apply(TicketCommented commented, TicketView view)
    {
        view.Comments.Add(new TicketComment(commented.CommentId, commented.Author, commented.Text, commented.Public, commented.At));
        if (commented.Public && view.FirstResponseAt is null) Responded(view, commented.At);
    }

    public void Apply(TicketPriorityChanged changed, TicketView view)
    {
        view.Priority = changed.To;
        view.Sla = changed.Sla;
        Due(view);
    }

    public void Apply(TicketWaitingOnCustomer waiting, TicketView view)
    {
        view.Status = TicketStatus.WaitingOnCustomer;
        view.Pauses.Add(new SlaPause(waiting.At, null));
        Due(view);
    }

    public void Apply(TicketResumed resumed, TicketView view)
    {
        view.Status = TicketStatus.Open;
        view.Pauses[^1] = view.Pauses[^1] with { To = resumed.At };
        Due(view);
    }

    public void Apply(TicketResolved resolved, TicketView view)
    {
        if (view.Status == TicketStatus.WaitingOnCustomer)
        {
            view.Pauses[^1] = view.Pauses[^1] with { To = resolved.At };
            Due(view);
        }
        view.Pauses.Add(new SlaPause(resolved.At, null));
        view.Status = TicketStatus.Resolved;
        view.IsActive = false;
        view.EverResolved = true;
        view.ResolvedAt = resolved.At;
        view.Resolution = resolved.Resolution;
        if (view.FirstResponseAt is null) Responded(view, resolved.At);
        view.ResolutionOnTime ??= view.ResolutionDueAt is not { } due || resolved.At <= due;
        view.ResolutionMinutes = Minutes(SlaClock.Elapsed(view.OpenedAt, resolved.At, view.Pauses, view.Sla.BusinessHours));
        Due(view);
    }

    public void Apply(TicketReopened reopened, TicketView view)
    {
        view.Pauses[^1] = view.Pauses[^1] with { To = reopened.At };
        view.Status = TicketStatus.Open;
        view.IsActive = true;
        view.ResolvedAt = null;
        view.ReopenCount++;
        Due(view);
    }

    public void Apply(TicketClosed closed, TicketView view)
    {
        view.Status = TicketStatus.Closed;
        view.ClosedAt = closed.At;
    }

    public void Apply(SatisfactionRecorded recorded, TicketView view)
    {
        view.Satisfaction = recorded.Score;
        view.SatisfactionComment = recorded.Comment;
    }

    public void Apply(SlaBreached breached, TicketView view)
    {
        if (breached.Target == SlaTarget.FirstResponse)
        {
            view.FirstResponseBreached = true;
            view.FirstResponseOnTime = false;
        }
        else
        {
            view.ResolutionBreached = true;
            view.ResolutionOnTime = false;
        }
        view.Breached = true;
    }

    public void Apply(TicketEscalated escalated, TicketView view)
    {
        view.Priority = escalated.To;
        view.Sla = escalated.Sla;
        view.Queue = escalated.Queue ?? view.Queue;
        Due(view);
    }

    private static void Responded(TicketView view, DateTimeOffset at)
    {
        view.FirstResponseOnTime ??= view.FirstResponseDueAt is not { } due || at <= due;
        view.FirstResponseAt = at;
        view.FirstResponseMinutes = Minutes(SlaClock.Elapsed(view.OpenedAt, at, view.Pauses, view.Sla.BusinessHours));
        Due(view);
    }

    private static void Due(TicketView view)
    {
        view.FirstResponseDueAt = view.FirstResponseAt is null
            ? SlaClock.DueAt(view.OpenedAt, view.Sla.FirstResponseWithin, view.Pauses, view.Sla.BusinessHours)
            : null;
        view.ResolutionDueAt = view.IsActive
            ? SlaClock.DueAt(view.OpenedAt, view.Sla.ResolutionWithin, view.Pauses, view.Sla.BusinessHours)
            : null;
    }

    private static double Minutes(TimeSpan span) => Math.Round(span.TotalMinutes, 2);
}
