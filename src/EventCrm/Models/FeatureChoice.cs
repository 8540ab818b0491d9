namespace EventCrm.Models;

/// <summary>The customer features a run uses: all of them, or the subset it asks for.</summary>
public static class FeatureChoice
{
    public static (string[] Numeric, string[] Categorical) Of(IReadOnlyList<string>? requested) =>
        requested is not { Count: > 0 }
            ? (CustomerFeatures.Numeric, CustomerFeatures.Categorical)
            : ([.. CustomerFeatures.Numeric.Where(requested.Contains)], [.. CustomerFeatures.Categorical.Where(requested.Contains)]);
}
