using EventCrm.Infrastructure.Observability;
using Marten;

namespace EventCrm.Models;

/// <summary>When each model's active version was trained, for the operators' <c>eventcrm.model.age</c>.</summary>
internal sealed class ModelAges(IDocumentStore store) : IModelAges
{
    public async Task<IReadOnlyDictionary<string, DateTimeOffset>> ActiveTrainedAt(CancellationToken cancellation)
    {
        await using var session = store.QuerySession();
        var cards = await session.Query<ModelCard>().Where(card => card.ActiveVersion != null).ToListAsync(cancellation);
        return cards.Where(card => card.Active is not null).ToDictionary(card => card.Name, card => card.Active!.TrainedAt);
    }
}
