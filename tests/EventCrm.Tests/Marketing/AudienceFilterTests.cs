using System.Text.Json;
using EventCrm.Customers;
using EventCrm.Infrastructure.Http;
using EventCrm.Marketing;
using EventCrm.Models;

namespace EventCrm.Tests.Marketing;

/// <summary>Filters are cleaned once into their stored form and evaluated the same way everywhere.</summary>
public sealed class AudienceFilterTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 3, 12, 0, 0, TimeSpan.Zero);

    private static AudienceFilter Parse(string json) => JsonSerializer.Deserialize<AudienceFilter>(json, Api.Json)!;

    private static (AudienceFilter? Filter, FieldErrors Errors) Clean(string json)
    {
        var errors = new FieldErrors();
        return (AudienceFilter.Clean(Parse(json), errors), errors);
    }

    private static AudienceCandidate Candidate(Action<CustomerProfile>? shape = null, CustomerScore? score = null)
    {
        var profile = new CustomerProfile
        {
            Id = Guid.NewGuid(), Status = CustomerStatus.Active, Name = "Ada", Email = "ada@example.com", Country = "DE",
            BirthDate = new DateOnly(1990, 6, 1), TotalSpent = 250m, PurchaseCount = 3, LastPurchaseAt = Now.AddDays(-40),
            Tags = ["vip"], Consents = [new ConsentDecision(ConsentChannel.Email, "newsletter", true, "web", Now.AddYears(-1))],
        };
        shape?.Invoke(profile);
        return new AudienceCandidate(profile, score, Now);
    }

    [Fact]
    public void values_are_stored_cleaned_and_groups_keep_their_shape()
    {
        var (filter, errors) = Clean("""{"all":[{"field":"country","op":"in","value":["Germany","AT"]},{"any":[{"field":"tags","op":"contains","value":"VIP"},{"field":"totalSpent","op":"gte","value":100}]}]}""");

        errors.Any.ShouldBeFalse();
        filter!.All![0].Value!.Value.EnumerateArray().Select(v => v.GetString()).ShouldBe(["DE", "AT"]);
        filter.All[1].Any![0].Value!.Value.EnumerateArray().Select(v => v.GetString()).ShouldBe(["vip"]);
        filter.All[1].Any![1].Value!.Value.GetDouble().ShouldBe(100);
    }

    [Theory]
    [InlineData("""{"field":"shoeSize","op":"eq","value":42}""", "filter.field")]
    [InlineData("""{"field":"country","op":"gt","value":"DE"}""", "filter.op")]
    [InlineData("""{"field":"country","op":"eq","value":"Atlantis"}""", "filter.value")]
    [InlineData("""{"field":"age","op":"between","value":[60,20]}""", "filter.value")]
    [InlineData("""{"field":"totalSpent","op":"gte","value":"lots"}""", "filter.value")]
    [InlineData("""{"all":[]}""", "filter.all")]
    [InlineData("""{"all":[{"any":[null]}]}""", "filter.all[0].any[0]")]
    [InlineData("""{"all":[{"field":"age","op":"gt","value":1}],"field":"age"}""", "filter")]
    public void a_filter_that_cannot_be_evaluated_is_refused_naming_where(string json, string field)
    {
        var (_, errors) = Clean(json);
        var problem = (Microsoft.AspNetCore.Http.HttpValidationProblemDetails)errors.ToProblem();
        problem.Errors.Keys.ShouldContain(field);
    }

    [Fact]
    public void conditions_compare_the_profile_and_the_scores_as_of_the_evaluation()
    {
        bool Matches(string json, AudienceCandidate candidate) => Clean(json).Filter!.Compile().Matches(candidate);

        Matches("""{"field":"age","op":"between","value":[35,36]}""", Candidate()).ShouldBeTrue(); // 35 on 3 March 2026
        Matches("""{"field":"daysSinceLastPurchase","op":"gte","value":40}""", Candidate()).ShouldBeTrue();
        Matches("""{"field":"daysSinceLastPurchase","op":"gte","value":41}""", Candidate()).ShouldBeFalse();
        Matches("""{"field":"tags","op":"notContains","value":["vip"]}""", Candidate()).ShouldBeFalse();
        Matches("""{"field":"consent","op":"granted","value":"newsletter"}""", Candidate()).ShouldBeTrue();
        Matches("""{"field":"consent","op":"granted","value":"offers"}""", Candidate()).ShouldBeFalse();
        Matches("""{"field":"annualIncome","op":"missing"}""", Candidate()).ShouldBeTrue();
        // An unknown value matches no comparison.
        Matches("""{"field":"annualIncome","op":"lt","value":1000000}""", Candidate()).ShouldBeFalse();
        Matches("""{"field":"churnRisk","op":"gte","value":0.5}""", Candidate()).ShouldBeFalse();
        Matches("""{"field":"churnRisk","op":"gte","value":0.5}""", Candidate(score: new CustomerScore { ChurnRisk = 0.71, ChurnVersion = 3 })).ShouldBeTrue();
        Matches("""{"any":[{"field":"country","op":"eq","value":"FR"},{"field":"segment","op":"eq","value":"loyal"}]}""",
            Candidate(score: new CustomerScore { SegmentName = "Loyal", SegmentsVersion = 2 })).ShouldBeTrue();
    }

    [Fact]
    public void a_decision_records_the_values_it_saw_with_the_model_versions_of_scores()
    {
        var filter = Clean("""{"all":[{"field":"churnRisk","op":"gte","value":0.5},{"field":"country","op":"eq","value":"DE"}]}""").Filter!.Compile();
        var candidate = Candidate(score: new CustomerScore { ChurnRisk = 0.7312, ChurnVersion = 4 });

        filter.UsesScores.ShouldBeTrue();
        filter.DependsOnDate.ShouldBeFalse();
        filter.Evidence(candidate).ShouldBe(new Dictionary<string, string> { ["churnRisk"] = "0.7312 (churn v4)", ["country"] = "DE" });
    }

    [Fact]
    public void only_differences_from_the_current_membership_are_decided()
    {
        var filter = Clean("""{"field":"country","op":"eq","value":"DE"}""").Filter!.Compile();
        var stays = Candidate();
        var enters = Candidate();
        var leaves = Candidate(p => p.Country = "FR");
        var deactivated = Candidate(p => p.Status = CustomerStatus.Inactive);

        var (entered, left) = AudienceEvaluation.Decide(filter, [stays, enters, leaves, deactivated],
            new HashSet<Guid> { stays.Profile.Id, leaves.Profile.Id, deactivated.Profile.Id });

        entered.Select(d => d.CustomerId).ShouldBe([enters.Profile.Id]);
        left.Select(d => d.CustomerId).ShouldBe([leaves.Profile.Id, deactivated.Profile.Id], ignoreOrder: true);
        left.Single(d => d.CustomerId == deactivated.Profile.Id).Evidence!["status"].ShouldBe("inactive");
    }
}
