using EventCrm.Models;

namespace EventCrm.Tests.Models;

/// <summary>The purchase-amount regression, fitted to synthetic rows whose relation is known exactly.</summary>
public class when_a_regression_learns_a_known_relation
{
    [Fact]
    public void it_recovers_the_coefficients_in_the_features_own_units()
    {
        // spend = 40 + 0.002 * income + 1.5 * age + noise (sd 2): the model must find 40, 0.002 and 1.5.
        var random = new Random(11);
        double Noise() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var rows = Enumerable.Range(0, 5_000).Select(_ =>
        {
            var income = 20_000 + random.NextDouble() * 80_000;
            var age = 20 + random.NextDouble() * 50;
            return new CustomerFeatures
            {
                CustomerId = Guid.NewGuid(),
                Income = (float)income,
                Age = (float)age,
                SpendNext90 = (float)(40 + 0.002 * income + 1.5 * age + 2 * Noise()),
                Country = "DE",
                Source = "web",
            };
        }).ToList();

        var fitted = PurchaseAmountModel.Fit(rows, nameof(CustomerFeatures.SpendNext90), (["Income", "Age"], []), DateTimeOffset.UtcNow);

        var weights = fitted.Explanation.Weights!;
        weights["Income"].ShouldBe(0.002, 0.00005);   // within 2.5 %
        weights["Age"].ShouldBe(1.5, 0.04);           // within 2.7 %
        fitted.Explanation.Intercept!.Value.ShouldBe(40, 2.5);
        fitted.Metrics["rSquared"].ShouldBeGreaterThan(0.95);
        fitted.Metrics["rmse"].ShouldBeLessThan(fitted.Baseline["rmse"] / 5);
        fitted.TrainRows.ShouldBe(fitted.Rows - fitted.TestRows);
    }
}
