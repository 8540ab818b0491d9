using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace EventCrm.Models;

/// <summary>
/// Customer segments: k-means (k = <c>Models:Segments</c>, 4 unless set) on standardised recency, frequency,
/// spend, age and income of today's active customers. Each segment is named from its centroid against the
/// whole base ("young high spenders", "older lapsed low spenders").
/// </summary>
public sealed class SegmentModel(IConfiguration configuration) : IModelDefinition
{
    public static readonly string[] Inputs =
        [nameof(CustomerColumns.RecencyDays), nameof(CustomerColumns.Frequency), nameof(CustomerColumns.Monetary), nameof(CustomerColumns.Age), nameof(CustomerColumns.Income)];

    public string Name => ModelCatalog.Segments;
    public ModelKind Kind => ModelKind.Clustering;
    public string Description => "Customer segments by recency, frequency, spend, age and income (k-means).";
    public IReadOnlyList<string> AllFeatures => Inputs;
    public int K => configuration.GetValue("Models:Segments", 4);

    public sealed class Assignment
    {
        public uint PredictedLabel { get; set; }
    }

    /// <summary>Segments describe customers as they are: recency of a customer who never bought is their tenure.</summary>
    public static CustomerFeatures Segmentable(CustomerFeatures row)
    {
        if (float.IsNaN(row.RecencyDays)) row.RecencyDays = row.TenureDays;
        return row;
    }

    public async Task<Fitted> Train(TrainingRequest request, CancellationToken cancellation)
    {
        var customers = (await CustomerRows.Read(request.History, request.StartedAt)).Require("active customers");
        var rows = customers.Rows.Select(Segmentable).ToList();
        var inputs = request.Features is { Count: > 0 } asked ? [.. Inputs.Where(asked.Contains)] : Inputs;
        var ml = Learning.Context();
        var data = ml.Data.LoadFromEnumerable(rows);
        var (train, test, trainRows, testRows) = Learning.Split(ml, data);

        ITransformer Fit(int k) => Learning.Features(ml, inputs, [])
            .Append(ml.Clustering.Trainers.KMeans(new KMeansTrainer.Options
            {
                FeatureColumnName = "Features", NumberOfClusters = k, NumberOfThreads = 1, MaximumNumberOfIterations = 200,
                InitializationAlgorithm = KMeansTrainer.InitializationAlgorithm.KMeansPlusPlus,
            }))
            .Fit(train);

        var model = Fit(K);
        var evaluated = ml.Clustering.Evaluate(model.Transform(test), scoreColumnName: "Score", featureColumnName: "Features");
        var everyone = ml.Clustering.Evaluate(Fit(1).Transform(test), scoreColumnName: "Score", featureColumnName: "Features");

        var assigned = ml.Data.CreateEnumerable<Assignment>(model.Transform(data), reuseRowObject: false).Select(a => (int)a.PredictedLabel).ToList();
        var segments = Describe(rows, assigned, K, inputs);
        var metrics = new Dictionary<string, double>
        {
            ["averageDistance"] = Math.Round(evaluated.AverageDistance, 6),
            ["daviesBouldin"] = Math.Round(evaluated.DaviesBouldinIndex, 6),
            ["segments"] = K,
            ["emptySegments"] = segments.Count(s => s.Customers == 0),
        };
        var baseline = new Dictionary<string, double> { ["averageDistance"] = Math.Round(everyone.AverageDistance, 6) };
        return new Fitted(model, data.Schema, $"k-means (k = {K})", request.StartedAt, rows.Count, trainRows, testRows, inputs, metrics, baseline,
            new ModelExplanation(Segments: segments), customers.LeftOut);
    }

    /// <summary>Each segment's size, centroid in the features' own units, and a name from how it differs from everyone.</summary>
    public static List<SegmentDescription> Describe(IReadOnlyList<CustomerFeatures> rows, IReadOnlyList<int> segment, int k, IReadOnlyList<string> inputs)
    {
        double Value(CustomerFeatures row, string feature) => feature switch
        {
            nameof(CustomerColumns.RecencyDays) => row.RecencyDays,
            nameof(CustomerColumns.Frequency) => row.Frequency,
            nameof(CustomerColumns.Monetary) => row.Monetary,
            nameof(CustomerColumns.Age) => row.Age,
            _ => row.Income,
        };
        var overall = Inputs.ToDictionary(f => f, f =>
        {
            var known = rows.Select(r => Value(r, f)).Where(double.IsFinite).ToList();
            var mean = known.Count == 0 ? 0 : known.Average();
            var sd = known.Count < 2 ? 1 : Math.Sqrt(known.Sum(v => (v - mean) * (v - mean)) / (known.Count - 1));
            return (Mean: mean, Sd: sd == 0 ? 1 : sd);
        });

        var described = new List<SegmentDescription>();
        var used = new HashSet<string>();
        for (var s = 1; s <= k; s++)
        {
            var members = rows.Where((_, i) => segment[i] == s).ToList();
            var centroid = Inputs.ToDictionary(f => f, f =>
            {
                var known = members.Select(r => Value(r, f)).Where(double.IsFinite).ToList();
                return known.Count == 0 ? double.NaN : Math.Round(known.Average(), 2);
            });
            double Z(string f) => double.IsNaN(centroid[f]) ? 0 : (centroid[f] - overall[f].Mean) / overall[f].Sd;
            var age = Z(nameof(CustomerColumns.Age)) switch { < -0.4 => "young", > 0.4 => "older", _ => "middle-aged" };
            var spend = Z(nameof(CustomerColumns.Monetary)) switch { > 0.5 => "high spenders", < -0.4 => "low spenders", _ => "average spenders" };
            var recency = Z(nameof(CustomerColumns.RecencyDays)) > 0.5 ? "lapsed " : Z(nameof(CustomerColumns.Frequency)) > 0.5 ? "frequent " : "";
            var name = $"{age} {recency}{spend}";
            for (var n = 2; !used.Add(name); n++) name = $"{age} {recency}{spend} ({n})";
            described.Add(new SegmentDescription(s, name, members.Count, centroid.Where(c => inputs.Contains(c.Key)).ToDictionary()));
        }
        return described;
    }
}
