using System.Collections.Immutable;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace EventCrm.Models;

/// <summary>
/// The data cannot support a model (too few rows, one class only): the run fails and is not retried. It says
/// who was left out and why, when the run knows.
/// </summary>
public sealed class InsufficientData(string message, IReadOnlyDictionary<string, int>? leftOut = null) : Exception(message)
{
    public const int MinimumRows = 50;

    public IReadOnlyDictionary<string, int>? LeftOut => leftOut;

    public static void Check(int rows, string what, IReadOnlyDictionary<string, int>? leftOut = null)
    {
        if (rows < MinimumRows)
            throw new InsufficientData(
                $"Only {rows} {what}; at least {MinimumRows} are needed to train and test a model. {LeftOutReasons.Describe(leftOut)}".TrimEnd(),
                leftOut);
    }

    public static void CheckClasses(IEnumerable<bool> labels, string what)
    {
        var list = labels.ToList();
        if (list.All(l => l) || list.All(l => !l))
            throw new InsufficientData($"All {list.Count} {what} have the same outcome; there is nothing to tell apart.");
    }
}

/// <summary>What a fit produced, before it becomes a version: the model, what it used and how it did, and who it left out.</summary>
public sealed record Fitted(
    ITransformer Model,
    DataViewSchema InputSchema,
    string Algorithm,
    DateTimeOffset DataCutoff,
    int Rows,
    int TrainRows,
    int TestRows,
    IReadOnlyList<string> Features,
    IReadOnlyDictionary<string, double> Metrics,
    IReadOnlyDictionary<string, double> Baseline,
    ModelExplanation Explanation,
    IReadOnlyDictionary<string, int>? LeftOut = null);

/// <summary>
/// The pieces every model's pipeline is made of: missing numbers replaced by the training mean, numbers
/// standardised, categories one-hot encoded; a fixed-seed train/test split; evaluation against a naive
/// baseline on the same held-out rows; and explanations in the features' own units.
/// </summary>
public static class Learning
{
    public const int Seed = 7;
    public const double TestFraction = 0.2;
    public const string Numbers = "Numbers";

    public static MLContext Context() => new(seed: Seed);

    /// <summary>Missing values, standardisation, one-hot encoding, and one Features vector (numbers first).</summary>
    public static IEstimator<ITransformer> Features(MLContext ml, IReadOnlyList<string> numeric, IReadOnlyList<string> categorical)
    {
        IEstimator<ITransformer> pipeline = new EstimatorChain<ITransformer>();
        if (numeric.Count > 0)
            pipeline = pipeline
                .Append(ml.Transforms.ReplaceMissingValues([.. numeric.Select(n => new InputOutputColumnPair(n))],
                    MissingValueReplacingEstimator.ReplacementMode.Mean))
                .Append(ml.Transforms.Concatenate(Numbers, [.. numeric]))
                .Append(ml.Transforms.NormalizeMeanVariance(Numbers, fixZero: false));
        foreach (var category in categorical)
            pipeline = pipeline.Append(ml.Transforms.Categorical.OneHotEncoding(category + "Encoded", category));
        string[] parts = [.. numeric.Count > 0 ? [Numbers] : Array.Empty<string>(), .. categorical.Select(c => c + "Encoded")];
        return pipeline.Append(ml.Transforms.Concatenate("Features", parts));
    }

    public static (IDataView Train, IDataView Test, int TrainRows, int TestRows) Split(MLContext ml, IDataView data)
    {
        var split = ml.Data.TrainTestSplit(data, TestFraction, seed: Seed);
        return (split.TrainSet, split.TestSet, Count(split.TrainSet), Count(split.TestSet));
    }

    public static int Count(IDataView data)
    {
        var rows = 0;
        using var cursor = data.GetRowCursor([]);
        while (cursor.MoveNext()) rows++;
        return rows;
    }

    /// <summary>The name of every slot of the Features vector, e.g. "Income" or "Country=DE".</summary>
    public static string[] SlotNames(ITransformer model, IDataView data)
    {
        var column = model.Transform(data).Schema["Features"];
        var names = default(VBuffer<ReadOnlyMemory<char>>);
        column.GetSlotNames(ref names);
        return [.. names.DenseValues().Select((n, i) => n.Length > 0 ? n.ToString().Replace($"{Numbers}.", "").Replace("Encoded.", "=") : $"slot {i}")];
    }

    /// <summary>The standardisation's scale and offset per number, to put weights back into the numbers' own units.</summary>
    public static (float[] Scale, float[] Offset) Standardisation(ITransformer model)
    {
        var normaliser = Flatten(model).OfType<NormalizingTransformer>().First();
        var parameters = (NormalizingTransformer.AffineNormalizerModelParameters<ImmutableArray<float>>)normaliser.GetNormalizerModelParameters(0);
        return ([.. parameters.Scale], parameters.Offset.IsDefaultOrEmpty ? new float[parameters.Scale.Length] : [.. parameters.Offset]);
    }

    /// <summary>Every transformer of a fitted pipeline, chains within chains opened.</summary>
    private static IEnumerable<ITransformer> Flatten(ITransformer model) =>
        model is IEnumerable<ITransformer> chain ? chain.SelectMany(Flatten) : [model];

    /// <summary>
    /// A linear model's weights per feature: numbers per unit of the number (the standardisation undone),
    /// categories as the shift their one-hot slot gives; the intercept likewise in original units.
    /// </summary>
    public static ModelExplanation Linear(ITransformer model, IDataView data, IReadOnlyList<float> weights, float bias, int numbers)
    {
        var names = SlotNames(model, data);
        var (scale, offset) = numbers > 0 ? Standardisation(model) : ([], []);
        var result = new Dictionary<string, double>();
        double intercept = bias;
        for (var i = 0; i < weights.Count; i++)
        {
            if (i < numbers)
            {
                // standardised = (x - offset) * scale, so w * standardised = (w * scale) x - w * scale * offset
                result[names[i]] = Math.Round(weights[i] * scale[i], 8);
                intercept -= weights[i] * scale[i] * offset[i];
            }
            else if (weights[i] != 0) result[names[i]] = Math.Round(weights[i], 8);
        }
        return new ModelExplanation(Weights: result, Intercept: Math.Round(intercept, 8));
    }

    public static IReadOnlyDictionary<string, double> Regression(RegressionMetrics metrics) => new Dictionary<string, double>
    {
        ["rSquared"] = Math.Round(metrics.RSquared, 6),
        ["rmse"] = Math.Round(metrics.RootMeanSquaredError, 6),
        ["mae"] = Math.Round(metrics.MeanAbsoluteError, 6),
    };

    /// <summary>A mean predictor: the training rows' mean for every held-out row.</summary>
    public static IReadOnlyDictionary<string, double> MeanBaseline(IReadOnlyList<float> train, IReadOnlyList<float> test)
    {
        var mean = train.Average(v => (double)v);
        var testMean = test.Average(v => (double)v);
        var squares = test.Sum(v => (v - mean) * (v - mean));
        var total = test.Sum(v => (v - testMean) * (v - testMean));
        return new Dictionary<string, double>
        {
            ["rSquared"] = Math.Round(total == 0 ? 0 : 1 - squares / total, 6),
            ["rmse"] = Math.Round(Math.Sqrt(squares / test.Count), 6),
            ["mae"] = Math.Round(test.Average(v => Math.Abs(v - mean)), 6),
        };
    }

    public static IReadOnlyDictionary<string, double> Binary(CalibratedBinaryClassificationMetrics metrics) => new Dictionary<string, double>
    {
        ["auc"] = Math.Round(metrics.AreaUnderRocCurve, 6),
        ["accuracy"] = Math.Round(metrics.Accuracy, 6),
        ["f1"] = Math.Round(double.IsNaN(metrics.F1Score) ? 0 : metrics.F1Score, 6),
        ["logLoss"] = Math.Round(metrics.LogLoss, 6),
    };

    /// <summary>The base rate: every held-out row gets the training rows' share of positives.</summary>
    public static IReadOnlyDictionary<string, double> BaseRate(IReadOnlyList<bool> train, IReadOnlyList<bool> test)
    {
        var p = Math.Clamp(train.Count(l => l) / (double)train.Count, 1e-6, 1 - 1e-6);
        var positives = test.Count(l => l) / (double)test.Count;
        var logLoss = -(positives * Math.Log2(p) + (1 - positives) * Math.Log2(1 - p));
        var predictsPositive = p >= 0.5;
        return new Dictionary<string, double>
        {
            ["auc"] = 0.5,
            ["accuracy"] = Math.Round(predictsPositive ? positives : 1 - positives, 6),
            ["f1"] = Math.Round(predictsPositive ? 2 * positives / (1 + positives) : 0, 6),
            ["logLoss"] = Math.Round(logLoss, 6),
            ["positiveRate"] = Math.Round(p, 6),
        };
    }

    public static byte[] Save(MLContext ml, ITransformer model, DataViewSchema schema)
    {
        using var stream = new MemoryStream();
        ml.Model.Save(model, schema, stream);
        return stream.ToArray();
    }

    public static ITransformer Load(MLContext ml, byte[] artifact)
    {
        using var stream = new MemoryStream(artifact);
        return ml.Model.Load(stream, out _);
    }
}
