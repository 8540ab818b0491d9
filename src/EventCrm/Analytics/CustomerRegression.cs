using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using MathNet.Numerics.LinearAlgebra;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;

namespace EventCrm.Analytics;

public record RegressionResult(
    string Target,
    IReadOnlyList<string> Features,
    long N,
    double Intercept,
    IReadOnlyDictionary<string, double> Coefficients,
    double InterceptStandardError,
    IReadOnlyDictionary<string, double> StandardErrors,
    double RSquared);

/// <summary>
/// Ordinary least squares with an intercept on the rows where the target and every feature are present, as
/// statsmodels' OLS or scikit-learn's LinearRegression would fit it. PostgreSQL returns means and
/// covariances (numerically stable aggregates); the small system is solved here.
/// </summary>
public static class CustomerRegressionEndpoint
{
    public static ProblemDetails Validate(string? target, string? features, [AsParameters] CustomerFilter filter)
    {
        var errors = new FieldErrors().CheckFields("target", CustomerFacts.Split(target), 1, 1)
            .CheckFields("features", CustomerFacts.Split(features), 1, CustomerFacts.Fields.Count - 1).CheckFilter(filter);
        if (CustomerFacts.Split(features).Contains(target?.Trim() ?? ""))
            errors.Add("features", "The target cannot be one of the features.");
        return errors.ToProblem();
    }

    [WolverineGet("/api/analytics/customers/regression", OperationId = "CustomerRegression", Summary = "Linear regression of a customer field on others",
        Description = "target=totalSpent&features=age,income; filters as for describe. Intercept, coefficients, standard errors, R squared, rows used. JSON or CSV.")]
    [Authorize(Policy = Policies.AnalyticsRead)]
    [Tags("Analytics")]
    [ProducesResponseType(typeof(RegressionResult), 200, "application/json", "text/csv")]
    [ProducesResponseType(typeof(ProblemDetails), 422, "application/problem+json")]
    public static async Task<IResult> Get(string? target, string? features, CustomerFilter filter,
        HttpContext http, NpgsqlDataSource database, TimeProvider clock, CancellationToken cancellation)
    {
        var x = CustomerFacts.Split(features);
        var y = target!.Trim();
        var all = new List<string>(x) { y };
        var p = x.Count;

        await using var command = database.CreateCommand();
        var where = CustomerFacts.Where(filter, command, clock.GetUtcNow());
        var columns = string.Join(", ", all.Select((name, i) => $"{CustomerFacts.Fields[name]} as f{i}"));
        var complete = string.Join(" and ", all.Select((_, i) => $"f{i} is not null"));
        var means = string.Join(", ", all.Select((_, i) => $"avg(f{i})"));
        var covariances = string.Join(", ",
            from i in Enumerable.Range(0, all.Count) from j in Enumerable.Range(0, all.Count) where j >= i
            select $"covar_samp(f{i}, f{j})");
        command.CommandText = $"""
            select count(*), {means}, {covariances}
            from (select {columns} from {CustomerFacts.View} where {where} offset 0) x where {complete}
            """;

        long n;
        var mean = new double[all.Count];
        var cov = Matrix<double>.Build.Dense(all.Count, all.Count);
        await using (var reader = await command.ExecuteReaderAsync(cancellation))
        {
            await reader.ReadAsync(cancellation);
            n = reader.GetInt64(0);
            if (n <= p + 1)
                return Results.Problem(Problems.RuleViolation("Too few complete rows for this regression.",
                    $"{n} rows have the target and every feature; at least {p + 2} are needed."));
            for (var i = 0; i < all.Count; i++) mean[i] = Convert.ToDouble(reader.GetValue(1 + i));
            var at = 1 + all.Count;
            for (var i = 0; i < all.Count; i++)
                for (var j = i; j < all.Count; j++)
                    cov[i, j] = cov[j, i] = Convert.ToDouble(reader.GetValue(at++));
        }

        var sxx = cov.SubMatrix(0, p, 0, p);
        var sxy = cov.SubMatrix(0, p, p, 1).Column(0);
        var syy = cov[p, p];
        if (Math.Abs(sxx.Determinant()) < 1e-12 * Math.Max(1, sxx.Diagonal().Aggregate(1.0, (a, b) => a * Math.Abs(b))))
            return Results.Problem(Problems.RuleViolation("The features are collinear or constant.",
                "The regression has no unique solution; drop a feature."));

        var sxxInverse = sxx.Inverse();
        var beta = sxxInverse * sxy;
        var intercept = mean[p] - beta.DotProduct(Vector<double>.Build.Dense(mean[..p]));
        var explained = beta.DotProduct(sxy);
        var rSquared = syy == 0 ? 1 : explained / syy;
        var residualVariance = (n - 1) * (syy - explained) / (n - p - 1);
        // Var(b) = s^2 (X'X)^-1 for centred X: X'X = (n - 1) Sxx.
        var covBeta = sxxInverse * (residualVariance / (n - 1));
        var meanX = Vector<double>.Build.Dense(mean[..p]);
        var interceptSe = Math.Sqrt(residualVariance / n + meanX.DotProduct(covBeta * meanX));

        var result = new RegressionResult(y, x, n, intercept,
            x.Select((name, i) => (name, beta[i])).ToDictionary(t => t.name, t => t.Item2), interceptSe,
            x.Select((name, i) => (name, Math.Sqrt(covBeta[i, i]))).ToDictionary(t => t.name, t => t.Item2), rSquared);
        return Formats.Respond(http, result, () => new Table(["term", "coefficient", "standardError"],
            [["intercept", intercept, interceptSe], .. x.Select((name, i) => (IReadOnlyList<object?>)[name, beta[i], Math.Sqrt(covBeta[i, i])])]));
    }
}
