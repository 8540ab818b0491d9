namespace EventCrm.Models;

/// <summary>
/// A training run's inputs: when it started, optionally fewer features, and the customers' history as recorded by
/// the start (shared by the runs that started together). Cutoffs are taken back from the start, and nothing
/// recorded after it is read (docs/models.md, "Point in time").
/// </summary>
public sealed record TrainingRequest(DateTimeOffset StartedAt, IReadOnlyList<string>? Features, RunHistory History);

/// <summary>One model: what it predicts, from which data, and how a new version is judged.</summary>
public interface IModelDefinition
{
    string Name { get; }
    ModelKind Kind { get; }
    string Description { get; }

    /// <summary>The features it can use; a run may ask for a subset.</summary>
    IReadOnlyList<string> AllFeatures { get; }

    Task<Fitted> Train(TrainingRequest request, CancellationToken cancellation);
}

/// <summary>
/// The models and the quality gate every new version passes before it is activated: it must beat its naive
/// baseline on the held-out rows, and must not be clearly worse than the active version.
/// </summary>
public sealed class ModelCatalog(IEnumerable<IModelDefinition> models)
{
    public const string PurchaseAmount = "purchase-amount";
    public const string Churn = "churn";
    public const string HighValue = "high-value";
    public const string Segments = "segments";
    public const string OpportunityWin = "opportunity-win";

    public static readonly string[] Names = [PurchaseAmount, Churn, HighValue, Segments, OpportunityWin];

    /// <summary>The models whose scores are written for every customer after a new version is activated.</summary>
    public static readonly string[] CustomerModels = [PurchaseAmount, Churn, HighValue, Segments];

    private readonly Dictionary<string, IModelDefinition> _models = models.ToDictionary(m => m.Name);

    public IModelDefinition? Find(string name) => _models.GetValueOrDefault(name);

    public IEnumerable<IModelDefinition> All => Names.Select(n => _models[n]);

    /// <summary>Null when the version may be activated; otherwise why not.</summary>
    public static string? Gate(ModelKind kind, IReadOnlyDictionary<string, double> metrics, IReadOnlyDictionary<string, double> baseline,
        ModelVersion? active)
    {
        switch (kind)
        {
            case ModelKind.Regression:
                if (!(metrics["rmse"] < baseline["rmse"]))
                    return $"RMSE {metrics["rmse"]:0.###} does not beat the mean predictor's {baseline["rmse"]:0.###}.";
                if (active is not null && metrics["rSquared"] < active.Metrics["rSquared"] - 0.05)
                    return $"R² {metrics["rSquared"]:0.###} is clearly worse than the active version's {active.Metrics["rSquared"]:0.###}.";
                return null;
            case ModelKind.BinaryClassification:
                if (!(metrics["auc"] >= 0.55))
                    return $"AUC {metrics["auc"]:0.###} is not clearly better than chance (0.5; at least 0.55 is asked).";
                if (!(metrics["logLoss"] < baseline["logLoss"]))
                    return $"Log-loss {metrics["logLoss"]:0.###} does not beat the base rate's {baseline["logLoss"]:0.###}.";
                if (active is not null && metrics["auc"] < active.Metrics["auc"] - 0.02)
                    return $"AUC {metrics["auc"]:0.###} is clearly worse than the active version's {active.Metrics["auc"]:0.###}.";
                return null;
            default:
                if (!double.IsFinite(metrics["daviesBouldin"]) || metrics["emptySegments"] > 0)
                    return "The segments are degenerate (an empty segment, or no finite Davies-Bouldin index).";
                if (!(metrics["averageDistance"] < baseline["averageDistance"]))
                    return $"Average distance {metrics["averageDistance"]:0.###} does not beat one segment for everyone ({baseline["averageDistance"]:0.###}).";
                if (active is not null && metrics["daviesBouldin"] > active.Metrics["daviesBouldin"] * 1.25)
                    return $"Davies-Bouldin {metrics["daviesBouldin"]:0.###} is clearly worse than the active version's {active.Metrics["daviesBouldin"]:0.###}.";
                return null;
        }
    }
}
