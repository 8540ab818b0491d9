namespace EventCrm.Marketing;

// Facts about an audience: who may be in it. Stored as they are: never rename or reshape one; add a new event
// instead. Who entered and left is recorded on the audience's members stream (AudienceMembershipEvents.cs).

/// <summary>
/// An audience was defined: a static list edited by hand, or a dynamic audience kept by its filter.
/// <c>MembersStream</c> is the stream its membership decisions are recorded on.
/// </summary>
public record AudienceDefined(string Name, AudienceKind Kind, AudienceFilter? Filter, Guid MembersStream, DateTimeOffset At);

/// <summary>A dynamic audience's filter changed: every customer is looked at again.</summary>
public record AudienceFilterChanged(AudienceFilter Filter, DateTimeOffset At);

/// <summary>A static list was edited: so many entered, so many left (the members are on the members stream).</summary>
public record AudienceListEdited(int Entered, int Left, DateTimeOffset At);

/// <summary>A dynamic audience is to be looked at again in full (its filter depends on the date, say).</summary>
public record AudienceRefreshRequested(string Reason, DateTimeOffset At);

/// <summary>The audience is no longer used: it keeps its members and history but follows no more changes.</summary>
public record AudienceArchived(DateTimeOffset At);
