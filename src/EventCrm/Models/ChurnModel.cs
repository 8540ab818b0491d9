using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace EventCrm.Models;

/// <summary>
/// The probability that an active customer makes no purchase in the next 180 days: logistic regression
/// (L-BFGS) on features as of a cutoff 180 days ago, labelled by whether they bought in the 180 days after.
/// </summary>
public sealed class ChurnModel : IModelDefinition
{
    public const int HorizonDays = 180;

    public string Name => ModelCatalog.Churn;
    public ModelKind Kind => ModelKind.BinaryClassification;
    public string Description => "Probability that an active customer makes no purchase in the next 180 days (logistic regression, L-BFGS).";
    public IReadOnlyList<string> AllFeatures => [.. CustomerFeatures.Numeric, .. CustomerFeatures.Categorical];

    public async Task<Fitted> Train(TrainingRequest request, CancellationToken cancellation)
    {
        var cutoff = request.StartedAt.AddDays(-HorizonDays);
        var customers = (await CustomerRows.Read(request.History, cutoff)).Require("customers active at the cutoff");
        return Fit(customers.Rows, nameof(CustomerFeatures.Churned), FeatureChoice.Of(request.Features), cutoff) with { LeftOut = customers.LeftOut };
    }

    /// <summary>A calibrated logistic regression on customer rows, with weights in the features' own units.</summary>
    public static Fitted Fit(IReadOnlyList<CustomerFeatures> rows, string label, (string[] Numeric, string[] Categorical) features,
        DateTimeOffset cutoff)
    {
        InsufficientData.Check(rows.Count, "customers");
        InsufficientData.CheckClasses(rows.Select(r => r.Churned), "customers");
        var ml = Learning.Context();
        var data = ml.Data.LoadFromEnumerable(rows);
        var (train, test, trainRows, testRows) = Learning.Split(ml, data);
        var pipeline = Learning.Features(ml, features.Numeric, features.Categorical)
            .Append(ml.Transforms.CopyColumns("Label", label))
            // L-BFGS passes over the rows once per iteration: over cached features rather than through the pipeline.
            .AppendCacheCheckpoint(ml)
            .Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression(new LbfgsLogisticRegressionBinaryTrainer.Options
            {
                LabelColumnName = "Label", FeatureColumnName = "Features", L2Regularization = 0.1f, L1Regularization = 0,
                NumberOfThreads = 1,
            }));
        var model = pipeline.Fit(train);
        var metrics = Learning.Binary(ml.BinaryClassification.Evaluate(model.Transform(test)));
        var baseline = Learning.BaseRate([.. train.GetColumn<bool>(label)], [.. test.GetColumn<bool>(label)]);
        var logistic = ((ISingleFeaturePredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>>)
            model.LastTransformer).Model.SubModel;
        var explanation = Learning.Linear(model, train, logistic.Weights, logistic.Bias, features.Numeric.Length);
        return new Fitted(model, data.Schema, "L-BFGS logistic regression", cutoff, rows.Count, trainRows, testRows,
            [.. features.Numeric, .. features.Categorical], metrics, baseline, explanation);
    }
}
