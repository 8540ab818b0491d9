namespace EventCrm.Customers;

/// <summary>Consent is decided per channel and purpose; the latest decision stands.</summary>
public static class Consent
{
    public const int MaxPurposeLength = 50;
    public const int MaxSourceLength = 100;

    public static List<ConsentDecision> Decide(IEnumerable<ConsentDecision> current, ConsentDecision decision)
    {
        var decisions = current.ToList();
        var index = decisions.FindIndex(d => d.Channel == decision.Channel && d.Purpose == decision.Purpose);
        if (index < 0) decisions.Add(decision);
        else if (decision.At >= decisions[index].At) decisions[index] = decision;
        return [.. decisions.OrderBy(d => d.Channel).ThenBy(d => d.Purpose, StringComparer.Ordinal)];
    }

    public static string NormalisePurpose(string purpose) => purpose.Trim().ToLowerInvariant();

    /// <summary>Whether the customer's latest decision for the channel and purpose is a grant.</summary>
    public static bool IsGranted(IEnumerable<ConsentDecision> decisions, ConsentChannel channel, string purpose) =>
        decisions.Any(d => d.Channel == channel && d.Purpose == purpose && d.Granted);
}
