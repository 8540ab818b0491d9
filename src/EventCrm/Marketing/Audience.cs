namespace EventCrm.Marketing;

/// <summary>
/// An audience as its commands need it, folded from its stream by <see cref="Create"/> and the <c>Apply</c> methods,
/// each returning the next state. Its members are not part of it: they are decided on the members stream and kept
/// in <see cref="AudienceMembership"/>.
/// </summary>
public sealed record Audience
{
    public Guid Id { get; init; }
    public int Version { get; init; }
    public string Name { get; init; } = "";
    public AudienceKind Kind { get; init; }
    public AudienceFilter? Filter { get; init; }
    public Guid MembersStream { get; init; }
    public bool Archived { get; init; }

    public static Audience Create(AudienceDefined defined) => new()
    {
        Name = defined.Name,
        Kind = defined.Kind,
        Filter = defined.Filter,
        MembersStream = defined.MembersStream,
    };

    public Audience Apply(AudienceFilterChanged changed) => this with { Filter = changed.Filter };

    public Audience Apply(AudienceListEdited _) => this;

    public Audience Apply(AudienceRefreshRequested _) => this;

    public Audience Apply(AudienceArchived _) => this with { Archived = true };
}
