using JasperFx;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace EventCrm.Marketing;

/// <summary>An audience as clients read it (inline: current right after a command). Its members are counted on read.</summary>
public sealed class AudienceView : IRevisioned
{
    public Guid Id { get; set; }
    public int Version { get; set; }
    public string Name { get; set; } = "";
    public AudienceKind Kind { get; set; }
    public AudienceFilter? Filter { get; set; }
    public Guid MembersStream { get; set; }
    public bool Archived { get; set; }

    /// <summary>The fields the filter reads; whether new scores or a new day can change who belongs.</summary>
    public List<string> Fields { get; set; } = [];
    public bool UsesScores { get; set; }
    public bool DependsOnDate { get; set; }

    public DateTimeOffset DefinedAt { get; set; }
    public DateTimeOffset LastChangedAt { get; set; }
}

public partial class AudienceViewProjection : SingleStreamProjection<AudienceView, Guid>
{
    public AudienceView Create(IEvent<AudienceDefined> defined)
    {
        var view = new AudienceView
        {
            Id = defined.StreamId,
            Name = defined.Data.Name,
            Kind = defined.Data.Kind,
            MembersStream = defined.Data.MembersStream,
            DefinedAt = defined.Data.At,
            LastChangedAt = defined.Data.At,
        };
        SetFilter(view, defined.Data.Filter);
        return view;
    }

    public void Apply(AudienceFilterChanged changed, AudienceView view)
    {
        SetFilter(view, changed.Filter);
        view.LastChangedAt = changed.At;
    }

    public void Apply(AudienceListEdited edited, AudienceView view) => view.LastChangedAt = edited.At;

    public void Apply(AudienceRefreshRequested _, AudienceView view) { }

    public void Apply(AudienceArchived archived, AudienceView view)
    {
        view.Archived = true;
        view.LastChangedAt = archived.At;
    }

    private static void SetFilter(AudienceView view, AudienceFilter? filter)
    {
        view.Filter = filter;
        var compiled = filter?.Compile();
        view.Fields = compiled is null ? [] : [.. compiled.Fields];
        view.UsesScores = compiled?.UsesScores ?? false;
        view.DependsOnDate = compiled?.DependsOnDate ?? false;
    }
}
