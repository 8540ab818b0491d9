using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace EventCrm.Models;

/// <summary>
/// The probability that an opportunity is won: logistic regression (L-BFGS) on closed opportunities (amount,
/// days in each stage, activities, lead source, the customer as of the opening). When a version is active the
/// forecast weighs open opportunities by it instead of by stage probabilities.
/// </summary>
public sealed class OpportunityWinModel(OpportunityFeatureReader opportunities) : IModelDefinition
{
    public string Name => ModelCatalog.OpportunityWin;
    public ModelKind Kind => ModelKind.BinaryClassification;
    public string Description => "Probability that an open opportunity is won (logistic regression, L-BFGS).";
    public IReadOnlyList<string> AllFeatures => [.. OpportunityFeatures.Numeric, .. OpportunityFeatures.Categorical];

    public async Task<Fitted> Train(TrainingRequest request, CancellationToken cancellation)
    {
        var rows = await opportunities.Closed(request.History, cancellation);
        var leftOut = new Dictionary<string, int> { [LeftOutReasons.StillOpen] = await opportunities.StillOpen(cancellation) };
        InsufficientData.Check(rows.Count, "closed opportunities", leftOut);
        InsufficientData.CheckClasses(rows.Select(r => r.Won), "closed opportunities");
        var numeric = request.Features is { Count: > 0 } asked ? OpportunityFeatures.Numeric.Where(asked.Contains).ToArray() : OpportunityFeatures.Numeric;
        var categorical = request.Features is { Count: > 0 } subset ? OpportunityFeatures.Categorical.Where(subset.Contains).ToArray() : OpportunityFeatures.Categorical;

        var ml = Learning.Context();
        var data = ml.Data.LoadFromEnumerable(rows);
        var (train, test, trainRows, testRows) = Learning.Split(ml, data);
        var pipeline = Learning.Features(ml, numeric, categorical)
            .Append(ml.Transforms.CopyColumns("Label", nameof(OpportunityFeatures.Won)))
            // L-BFGS passes over the rows once per iteration: over cached features rather than through the pipeline.
            .AppendCacheCheckpoint(ml)
            .Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression(new LbfgsLogisticRegressionBinaryTrainer.Options
            {
                LabelColumnName = "Label", FeatureColumnName = "Features", L2Regularization = 0.1f, NumberOfThreads = 1,
            }));
        var model = pipeline.Fit(train);
        var metrics = Learning.Binary(ml.BinaryClassification.Evaluate(model.Transform(test)));
        var baseline = Learning.BaseRate([.. train.GetColumn<bool>("Won")], [.. test.GetColumn<bool>("Won")]);
        var logistic = ((ISingleFeaturePredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>>)
            model.LastTransformer).Model.SubModel;
        return new Fitted(model, data.Schema, "L-BFGS logistic regression", request.StartedAt, rows.Count, trainRows, testRows,
            [.. numeric, .. categorical], metrics, baseline, Learning.Linear(model, train, logistic.Weights, logistic.Bias, numeric.Length), leftOut);
    }
}
