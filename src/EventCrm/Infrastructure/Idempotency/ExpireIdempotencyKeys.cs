using Marten;

namespace EventCrm.Infrastructure.Idempotency;

/// <summary>Recurring job: forgets idempotency keys past their retention.</summary>
public sealed class ExpireIdempotencyKeys(IDocumentStore store, TimeProvider clock)
{
    public const string JobId = "expire-idempotency-keys";

    public async Task Run(CancellationToken cancellation)
    {
        var now = clock.GetUtcNow();
        await using var session = store.LightweightSession();
        session.DeleteWhere<IdempotencyRecord>(record => record.ExpiresAt <= now);
        await session.SaveChangesAsync(cancellation);
    }
}
