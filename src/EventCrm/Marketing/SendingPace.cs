using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace EventCrm.Marketing;

/// <summary>
/// How fast this node hands mail to the relay: a token bucket of <c>Marketing:Sending:MessagesPerMinute</c>, in bursts
/// of <c>Burst</c>. One per process, shared by every send (the sending queue runs one message at a time anyway).
/// </summary>
public sealed class SendingPace : IDisposable
{
    private readonly TokenBucketRateLimiter _limiter;

    public SendingPace(IOptions<MarketingRules> options)
    {
        var rules = options.Value.Sending;
        var perMinute = Math.Max(1, rules.MessagesPerMinute);
        var (period, tokens) = perMinute >= 60
            ? (TimeSpan.FromSeconds(1), perMinute / 60)
            : (TimeSpan.FromMinutes(1) / perMinute, 1);
        _limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(tokens, Math.Max(1, rules.Burst)),
            TokensPerPeriod = tokens,
            ReplenishmentPeriod = period,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    }

    /// <summary>Waits for the next permit to send one message.</summary>
    public async Task Next(CancellationToken cancellation)
    {
        using var lease = await _limiter.AcquireAsync(1, cancellation);
        if (!lease.IsAcquired) throw new InvalidOperationException("The sending pace refused a permit.");
    }

    public void Dispose() => _limiter.Dispose();
}
