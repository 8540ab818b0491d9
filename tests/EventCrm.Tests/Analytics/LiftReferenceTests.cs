using System.Text.Json;
using EventCrm.Analytics;

namespace EventCrm.Tests.Analytics;

/// <summary>
/// The lift statistics against an independent computation: Reference/lift/reference.json, written by
/// compute_reference.py (Python's standard library alone) from the 2×2 tables of Reference/lift/inputs.json.
/// </summary>
public class LiftReferenceTests
{
    private const double Tolerance = 1e-9;
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Analytics", "Reference", "lift");

    public static TheoryData<string> Cases() => [.. Inputs().Select(c => c.GetProperty("name").GetString()!)];

    private static IEnumerable<JsonElement> Inputs() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "inputs.json"))).RootElement.EnumerateArray();

    private static JsonElement Reference => JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "reference.json"))).RootElement;

    [Theory]
    [MemberData(nameof(Cases))]
    public void the_z_test_interval_and_rules_match_the_reference(string name)
    {
        var input = Inputs().Single(c => c.GetProperty("name").GetString() == name);
        var expected = Reference.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
        long Count(string member) => input.GetProperty(member).GetInt64();

        var test = LiftStatistics.TwoProportions(new TwoByTwo(Count("treatedConverted"), Count("treated"), Count("holdoutConverted"), Count("holdout")));
        var reference = expected.GetProperty("test");
        Close(test.TreatedRate, reference, "treatedRate");
        Close(test.HoldoutRate, reference, "holdoutRate");
        Close(test.Uplift, reference, "uplift");
        Close(test.RelativeLift, reference, "relativeLift");
        Close(test.Z, reference, "z");
        Close(test.PValue, reference, "pValue");
        Close(test.Low, reference, "low");
        Close(test.High, reference, "high");
        test.Significant.ShouldBe(reference.GetProperty("significant").ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => (bool?)null,
        });
        if (test.Significant is null) test.Reason.ShouldNotBeNullOrWhiteSpace();

        var population = Count("treated") + Count("holdout");
        var converted = Count("treatedConverted") + Count("holdoutConverted");
        foreach (var antecedent in new[] { "touched", "clicked" })
        {
            var rule = LiftStatistics.Rule(antecedent, population, Count(antecedent), Count(antecedent + "Converted"), converted);
            var expectedRule = expected.GetProperty(antecedent);
            Close(rule.Support, expectedRule, "support");
            Close(rule.Confidence, expectedRule, "confidence");
            Close(rule.Lift, expectedRule, "lift");
        }
    }

    [Fact]
    public void the_interval_uses_the_same_quantile_as_the_reference() =>
        LiftStatistics.Z975.ShouldBe(Reference.GetProperty("z975").GetDouble(), 1e-12);

    [Fact]
    public void a_small_cell_gives_the_numbers_without_a_verdict()
    {
        var test = LiftStatistics.TwoProportions(new TwoByTwo(40, 100, 4, 100));
        test.Z.ShouldNotBeNull();
        test.PValue.ShouldNotBeNull();
        test.Significant.ShouldBeNull();
        test.Reason!.ShouldContain("holds 4, under 5");
    }

    [Fact]
    public void incremental_revenue_is_the_difference_of_means_times_the_treated()
    {
        LiftStatistics.IncrementalRevenue(800m, 12, 500m, 12).ShouldBe(300m);
        LiftStatistics.IncrementalRevenue(900m, 9, 100m, 2).ShouldBe(450m); // (100 − 50) × 9
        LiftStatistics.IncrementalRevenue(900m, 9, 0m, 0).ShouldBeNull();
    }

    /// <summary>Both null, or within 1e-9 absolutely (and relatively, for the tiny p-values of the far tail).</summary>
    private static void Close(double? actual, JsonElement expected, string member)
    {
        var value = expected.GetProperty(member);
        if (value.ValueKind == JsonValueKind.Null)
        {
            actual.ShouldBeNull(member);
            return;
        }
        var reference = value.GetDouble();
        actual.ShouldNotBeNull(member);
        Math.Abs(actual.Value - reference).ShouldBeLessThanOrEqualTo(Tolerance, member);
        if (reference != 0) (Math.Abs(actual.Value - reference) / Math.Abs(reference)).ShouldBeLessThanOrEqualTo(Tolerance, member);
    }
}
