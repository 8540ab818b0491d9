using EventCrm.Sales;
using Microsoft.ML;

namespace EventCrm.Models;

/// <summary>The active win model's probabilities for open opportunities, with its version.</summary>
public sealed class WinProbabilities(ModelArtifacts artifacts, OpportunityFeatureReader opportunities, TimeProvider clock)
    : IWinProbabilities
{
    private sealed class Classified { public float Probability { get; set; } }

    /// <summary>Null when no win model is active.</summary>
    public async Task<(int Version, Dictionary<Guid, double> Probabilities)?> Score(Guid? only, CancellationToken cancellation)
    {
        if (await artifacts.Active(ModelCatalog.OpportunityWin, cancellation) is not { } win) return null;
        var rows = await opportunities.Read(open: true, only, clock.GetUtcNow(), cancellation);
        var ml = artifacts.Context;
        var predicted = ml.Data.CreateEnumerable<Classified>(win.Model.Transform(ml.Data.LoadFromEnumerable(rows)), reuseRowObject: false);
        return (win.Version, rows.Zip(predicted).ToDictionary(p => p.First.OpportunityId, p => Math.Round((double)p.Second.Probability, 4)));
    }

    /// <summary>The forecast's weights: this model's, when one is active.</summary>
    public async Task<WinWeights?> ForOpen(Guid? only, CancellationToken cancellation) =>
        await Score(only, cancellation) is { } scored
            ? new WinWeights($"{ModelCatalog.OpportunityWin} version {scored.Version}", scored.Probabilities)
            : null;
}
