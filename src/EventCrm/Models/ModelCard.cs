using JasperFx.Events;
using Marten.Events.Aggregation;

namespace EventCrm.Models;

public enum RunStatus { Queued, Running, Activated, Rejected, Failed }

public sealed record ModelVersion(
    int Version,
    Guid RunId,
    string Algorithm,
    DateTimeOffset TrainedAt,
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
    string? Decision,
    bool Activated,
    IReadOnlyDictionary<string, int>? LeftOut = null);

/// <summary>A training run; <paramref name="LeftOut"/> counts, by reason, the records it did not learn from.</summary>
public sealed record ModelRun(Guid RunId, string? JobId, string? RequestedBy, DateTimeOffset StartedAt, RunStatus Status,
    int? Version = null, string? Outcome = null, DateTimeOffset? FinishedAt = null, IReadOnlyDictionary<string, int>? LeftOut = null);

/// <summary>A model's card: every version with its data, metrics and explanation, the active one, and the runs.</summary>
public sealed class ModelCard
{
    public Guid Id { get; set; }
    public int Version { get; set; }
    public string Name { get; set; } = "";
    public ModelKind Kind { get; set; }
    public int? ActiveVersion { get; set; }
    public List<ModelVersion> Versions { get; set; } = [];
    public List<ModelRun> Runs { get; set; } = [];
    public int? LastScoredVersion { get; set; }
    public int LastScoredCustomers { get; set; }
    public DateTimeOffset? LastScoredAt { get; set; }

    public ModelVersion? Active => Versions.FirstOrDefault(v => v.Version == ActiveVersion);
}

public partial class ModelCardProjection : SingleStreamProjection<ModelCard, Guid>
{
    public ModelCard Create(IEvent<ModelTrainingRequested> requested) => Apply(requested, new ModelCard { Id = requested.StreamId });

    public ModelCard Create(IEvent<ModelTrainingStarted> started) => Apply(started, new ModelCard { Id = started.StreamId });

    public ModelCard Apply(IEvent<ModelTrainingRequested> requested, ModelCard card)
    {
        card.Name = requested.Data.Model;
        if (card.Runs.Any(r => r.RunId == requested.Data.RunId)) return card; // the job started first
        card.Runs.Add(new ModelRun(requested.Data.RunId, requested.Data.JobId, requested.UserName, requested.Data.At, RunStatus.Queued));
        return card;
    }

    public ModelCard Apply(IEvent<ModelTrainingStarted> started, ModelCard card)
    {
        card.Name = started.Data.Model;
        var earlier = card.Runs.FindIndex(r => r.RunId == started.Data.RunId); // requested, or a retry of the same run
        var run = new ModelRun(started.Data.RunId, started.Data.JobId, started.UserName, started.Data.At, RunStatus.Running);
        if (earlier >= 0) card.Runs[earlier] = run with { RequestedBy = card.Runs[earlier].RequestedBy ?? run.RequestedBy };
        else card.Runs.Add(run);
        return card;
    }

    public void Apply(ModelTrained trained, ModelCard card)
    {
        card.Kind = trained.Kind;
        card.Versions.Add(new ModelVersion(trained.Version, trained.RunId, trained.Algorithm, trained.At, trained.DataCutoff,
            trained.Rows, trained.TrainRows, trained.TestRows, trained.Features, trained.Metrics, trained.Baseline,
            trained.Explanation, trained.Seconds, trained.ArtifactSha256, null, false, trained.LeftOut));
    }

    public void Apply(ModelActivated activated, ModelCard card)
    {
        Decide(card, activated.Version, activated.Reason, RunStatus.Activated, activated.At);
        card.ActiveVersion = activated.Version;
    }

    public void Apply(ModelRejected rejected, ModelCard card) =>
        Decide(card, rejected.Version, rejected.Reason, RunStatus.Rejected, rejected.At);

    public void Apply(ModelTrainingFailed failed, ModelCard card)
    {
        var index = card.Runs.FindIndex(r => r.RunId == failed.RunId);
        if (index >= 0)
            card.Runs[index] = card.Runs[index] with { Status = RunStatus.Failed, Outcome = failed.Reason, FinishedAt = failed.At, LeftOut = failed.LeftOut };
    }

    public void Apply(ModelScoredCustomers scored, ModelCard card)
    {
        card.LastScoredVersion = scored.Version;
        card.LastScoredCustomers = scored.Customers;
        card.LastScoredAt = scored.At;
    }

    private static void Decide(ModelCard card, int version, string reason, RunStatus status, DateTimeOffset at)
    {
        var index = card.Versions.FindIndex(v => v.Version == version);
        if (index < 0) return;
        var trained = card.Versions[index];
        card.Versions[index] = trained with { Decision = reason, Activated = status == RunStatus.Activated };
        var run = card.Runs.FindIndex(r => r.RunId == trained.RunId);
        if (run >= 0)
            card.Runs[run] = card.Runs[run] with { Status = status, Version = version, Outcome = reason, FinishedAt = at, LeftOut = trained.LeftOut };
    }
}
