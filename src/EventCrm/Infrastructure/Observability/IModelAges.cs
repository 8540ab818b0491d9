namespace EventCrm.Infrastructure.Observability;

/// <summary>
/// When the active version of each trained model was trained, for <c>eventcrm.model.age</c>. Defined here so that
/// the metrics need no context; the context that trains models implements it.
/// </summary>
public interface IModelAges
{
    Task<IReadOnlyDictionary<string, DateTimeOffset>> ActiveTrainedAt(CancellationToken cancellation);
}
