using System.Security.Cryptography;
using System.Text;

namespace EventCrm.Models;

public enum ModelKind { Regression, BinaryClassification, Clustering }

/// <summary>What a model learned, in terms a reader can check: weights, importances or segments.</summary>
public sealed record ModelExplanation(
    IReadOnlyDictionary<string, double>? Weights = null,
    double? Intercept = null,
    IReadOnlyDictionary<string, double>? Importance = null,
    IReadOnlyList<SegmentDescription>? Segments = null);

/// <summary>A segment: its number, name, size and centroid in the features' own units.</summary>
public sealed record SegmentDescription(int Segment, string Name, int Customers, IReadOnlyDictionary<string, double> Centroid);

/// <summary>Someone asked for a training run. <paramref name="JobId"/> is null since the job is queued after the request is stored (the run id names it); older events carry it.</summary>
public record ModelTrainingRequested(string Model, Guid RunId, string? JobId, IReadOnlyList<string>? Features, DateTimeOffset At);

/// <summary>A training run began (by schedule or on request); <paramref name="Features"/> restricts the inputs when given.</summary>
public record ModelTrainingStarted(string Model, Guid RunId, string? JobId, IReadOnlyList<string>? Features, DateTimeOffset At);

/// <summary>
/// A new version: the data it saw (cutoff, rows, split, and how many records it left out and why), what it uses,
/// how it scored on held-out rows and what a naive baseline scores on the same rows, what it learned, and the
/// SHA-256 of its stored artifact.
/// </summary>
public record ModelTrained(
    Guid RunId,
    int Version,
    ModelKind Kind,
    string Algorithm,
    DateTimeOffset DataCutoff,
    int Rows,
    int TrainRows,
    int TestRows,
    IReadOnlyList<string> Features,
    IReadOnlyDictionary<string, double> Metrics,
    IReadOnlyDictionary<string, double> Baseline,
    ModelExplanation Explanation,
    double Seconds,
    string ArtifactSha256,
    DateTimeOffset At,
    IReadOnlyDictionary<string, int>? LeftOut = null);

public record ModelActivated(int Version, string Reason, DateTimeOffset At);

public record ModelRejected(int Version, string Reason, DateTimeOffset At);

/// <summary>A run produced no version, and why; <paramref name="LeftOut"/> when too few records were left to learn from.</summary>
public record ModelTrainingFailed(Guid RunId, string Reason, DateTimeOffset At, IReadOnlyDictionary<string, int>? LeftOut = null);

/// <summary>The active version scored the customers: their scores name this version.</summary>
public record ModelScoredCustomers(int Version, int Customers, DateTimeOffset At);

public static class ModelStreams
{
    /// <summary>Each model's stream has a fixed id derived from its name.</summary>
    public static Guid Of(string model) => Derived($"eventcrm-model:{model}");

    /// <summary>A run's id from the model and what started it (a job id, a request): a retried job is the same run.</summary>
    public static Guid Run(string model, string key) => Derived($"eventcrm-model-run:{model}:{key}");

    private static Guid Derived(string text)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 16).ToArray();
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash, bigEndian: true);
    }
}
