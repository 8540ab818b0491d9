namespace EventCrm.Marketing;

// The members stream of an audience: every decision about who is in it, with why. Only appended to (by the list
// commands for static lists, by the membership keeper for dynamic audiences) and folded by AudienceMembership;
// no aggregate decides on it, because each decision is made against the membership as projected.

/// <summary>
/// Customers entered and left an audience. <c>Reason</c> says what prompted the decision (a profile change, new
/// scores, the filter, a list edit); each member's <c>Evidence</c> holds the values the filter saw (scores with
/// the model version that produced them), so the decision can be checked later without recomputing anything.
/// </summary>
public record AudienceMembersChanged(
    Guid AudienceId,
    IReadOnlyList<MemberDecision> Entered,
    IReadOnlyList<MemberDecision> Left,
    string Reason,
    DateTimeOffset At);

public record MemberDecision(Guid CustomerId, IReadOnlyDictionary<string, string>? Evidence = null);
