using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;

namespace EventCrm.Models;

/// <summary>
/// Whether a customer will be among the top spenders (the top <c>Models:HighValueFraction</c>, 20 % unless
/// set) of the next 180 days: boosted decision trees (FastTree) on features as of a cutoff 180 days ago.
/// </summary>
public sealed class HighValueModel(IConfiguration configuration) : IModelDefinition
{
    public string Name => ModelCatalog.HighValue;
    public ModelKind Kind => ModelKind.BinaryClassification;
    public string Description => "Probability of being among the top spenders of the next 180 days (boosted trees, FastTree).";
    public IReadOnlyList<string> AllFeatures => [.. CustomerFeatures.Numeric, .. CustomerFeatures.Categorical];

    public double TopFraction => configuration.GetValue("Models:HighValueFraction", 0.2);

    public async Task<Fitted> Train(TrainingRequest request, CancellationToken cancellation)
    {
        var cutoff = request.StartedAt.AddDays(-ChurnModel.HorizonDays);
        var customers = (await CustomerRows.Read(request.History, cutoff)).Require("customers active at the cutoff");
        var rows = customers.Rows;
        // The threshold is the spend that the top fraction reaches; a tie at the threshold counts as high.
        var threshold = rows.Select(r => r.SpendNext180).OrderByDescending(s => s)
            .ElementAtOrDefault(Math.Max(0, (int)Math.Ceiling(rows.Count * TopFraction) - 1));
        foreach (var row in rows) row.HighValue = row.SpendNext180 > 0 && row.SpendNext180 >= threshold;
        InsufficientData.CheckClasses(rows.Select(r => r.HighValue), "customers");

        var features = FeatureChoice.Of(request.Features);
        var ml = Learning.Context();
        var data = ml.Data.LoadFromEnumerable(rows);
        var (train, test, trainRows, testRows) = Learning.Split(ml, data);
        var pipeline = Learning.Features(ml, features.Numeric, features.Categorical)
            .Append(ml.Transforms.CopyColumns("Label", nameof(CustomerFeatures.HighValue)))
            // FastTree reads the rows several times to bin them: from cached features rather than through the pipeline.
            .AppendCacheCheckpoint(ml)
            .Append(ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options
            {
                LabelColumnName = "Label", FeatureColumnName = "Features", NumberOfTrees = 60, NumberOfLeaves = 8,
                MinimumExampleCountPerLeaf = 25, LearningRate = 0.08, NumberOfThreads = 1, Seed = Learning.Seed,
            }));
        var model = pipeline.Fit(train);
        var metrics = Learning.Binary(ml.BinaryClassification.Evaluate(model.Transform(test)));
        var baseline = Learning.BaseRate([.. train.GetColumn<bool>("HighValue")], [.. test.GetColumn<bool>("HighValue")]);

        var trees = ((ISingleFeaturePredictionTransformer<CalibratedModelParametersBase<FastTreeBinaryModelParameters, PlattCalibrator>>)
            model.LastTransformer).Model.SubModel;
        var gains = default(VBuffer<float>);
        trees.GetFeatureWeights(ref gains);
        var names = Learning.SlotNames(model, train);
        var total = gains.DenseValues().Sum();
        var importance = gains.DenseValues().Select((g, i) => (Name: names[i], Share: total == 0 ? 0 : g / total))
            .Where(x => x.Share > 0).OrderByDescending(x => x.Share)
            .ToDictionary(x => x.Name, x => Math.Round((double)x.Share, 6));
        return new Fitted(model, data.Schema, "FastTree boosted trees", cutoff, rows.Count, trainRows, testRows,
            [.. features.Numeric, .. features.Categorical], metrics,
            new Dictionary<string, double>(baseline) { ["threshold"] = Math.Round(threshold, 2), ["topFraction"] = TopFraction },
            new ModelExplanation(Importance: importance), customers.LeftOut);
    }
}
