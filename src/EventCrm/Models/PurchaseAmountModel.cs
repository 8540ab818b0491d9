using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace EventCrm.Models;

/// <summary>
/// Expected spend in the next 90 days (house currency): linear regression (SDCA) on the customer's age,
/// income and behaviour up to a cutoff 90 days ago, labelled with what they spent in the 90 days after it.
/// </summary>
public sealed class PurchaseAmountModel : IModelDefinition
{
    public string Name => ModelCatalog.PurchaseAmount;
    public ModelKind Kind => ModelKind.Regression;
    public string Description => "Expected spend in the next 90 days, in the house currency (linear regression, SDCA).";
    public IReadOnlyList<string> AllFeatures => [.. CustomerFeatures.Numeric, .. CustomerFeatures.Categorical];

    public async Task<Fitted> Train(TrainingRequest request, CancellationToken cancellation)
    {
        var cutoff = request.StartedAt.AddDays(-90);
        var customers = (await CustomerRows.Read(request.History, cutoff)).Require("customers active at the cutoff");
        return Fit(customers.Rows, nameof(CustomerFeatures.SpendNext90), FeatureChoice.Of(request.Features), cutoff) with { LeftOut = customers.LeftOut };
    }

    /// <summary>The regression itself, on any rows: also what the tests fit on data with a known relation.</summary>
    public static Fitted Fit(IReadOnlyList<CustomerFeatures> rows, string label, (string[] Numeric, string[] Categorical) features,
        DateTimeOffset cutoff)
    {
        InsufficientData.Check(rows.Count, "customers");
        var ml = Learning.Context();
        var data = ml.Data.LoadFromEnumerable(rows);
        var (train, test, trainRows, testRows) = Learning.Split(ml, data);
        var pipeline = Learning.Features(ml, features.Numeric, features.Categorical)
            .Append(ml.Transforms.CopyColumns("Label", label))
            // Up to 50 passes over the rows: over cached features rather than through the pipeline each time. Cached
            // rows can be shuffled, so SDCA now visits them in a seeded random order (R² as before: docs/benchmarks.md).
            .AppendCacheCheckpoint(ml)
            .Append(ml.Regression.Trainers.Sdca(new SdcaRegressionTrainer.Options
            {
                LabelColumnName = "Label", FeatureColumnName = "Features", L2Regularization = 1e-3f, L1Regularization = 0,
                MaximumNumberOfIterations = 50, ConvergenceTolerance = 1e-3f, NumberOfThreads = 1,
            }));
        var model = pipeline.Fit(train);
        var metrics = Learning.Regression(ml.Regression.Evaluate(model.Transform(test)));
        var baseline = Learning.MeanBaseline([.. train.GetColumn<float>(label)], [.. test.GetColumn<float>(label)]);
        var linear = (LinearRegressionModelParameters)((ISingleFeaturePredictionTransformer<object>)model.LastTransformer).Model;
        var explanation = Learning.Linear(model, train, linear.Weights, linear.Bias, features.Numeric.Length);
        return new Fitted(model, data.Schema, "SDCA linear regression", cutoff, rows.Count, trainRows, testRows,
            [.. features.Numeric, .. features.Categorical], metrics, baseline, explanation);
    }
}
