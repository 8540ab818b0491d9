using Xunit.Abstractions;

namespace EventCrm.Fuzz;

[Collection(FuzzCollection.Name)]
public class when_hostile_requests_reach_every_operation(FuzzTarget target, ITestOutputHelper output)
{
    [Fact]
    public async Task no_answer_is_a_5xx_leaks_internals_or_stores_anything_for_a_refused_request()
    {
        var plan = FuzzPlan.FromEnvironment();
        // On the console as well as in the test's output: the seed must be seen whether the run passes or not.
        Console.Error.WriteLine($"[fuzz] seed {plan.Seed}, {plan.Requests} requests (reproduce: {plan.Reproduce})");
        output.WriteLine($"fuzzing with seed {plan.Seed} ({plan.Requests} requests): {plan.Reproduce}");
        target.Operations.Count.ShouldBeGreaterThan(50, "the OpenAPI document lists the application's operations");

        var report = await new Fuzzer(target, plan).Run(output.WriteLine);
        var described = Fuzzer.Describe(report, plan, target);
        output.WriteLine(described);
        foreach (var line in described.Split('\n').TakeWhile(l => !l.StartsWith("## ")).Where(l => l.Trim().Length > 0))
            Console.Error.WriteLine($"[fuzz] {line.TrimEnd()}");

        target.Running.ShouldBeTrue("the application is still running");
        report.Requests.ShouldBeGreaterThanOrEqualTo(plan.OnlyCase is null ? plan.Requests : 1);
        // The first line says what was found and how to make it again: a CI log may show only a failure's first lines.
        if (report.Findings.Count > 0) Assert.Fail(Fuzzer.Headline(report, plan) + "\n" + described);
    }
}
