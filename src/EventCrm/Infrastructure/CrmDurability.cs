using Wolverine;

namespace EventCrm.Infrastructure;

/// <summary>
/// How Wolverine's durability agent finds work a stopped process left behind (outbox messages, scheduled SLA
/// checks, deduplicated responses), from configuration:
/// <list type="bullet">
/// <item><c>Wolverine:Mode</c> <c>Solo</c> for a single node: at start the node takes over everything a previous
/// run left, at once. Never with more than one node on a database: each would run every projection.</item>
/// <item><c>Balanced</c> (the default) for a cluster: a node that stops reporting for <c>Wolverine:StaleNodeTimeout</c>
/// is declared dead after two health checks (<c>Wolverine:HealthCheckPollingTime</c>) and its work is handed to the
/// living nodes; so within about StaleNodeTimeout + 2 × HealthCheckPollingTime (25 s by default).</item>
/// </list>
/// Also stores the answers of deduplicated POSTs (<c>Idempotency-Key</c>) in the message store, inside the
/// commands' own transactions.
/// </summary>
public static class CrmDurability
{
    public static readonly TimeSpan DefaultStaleNodeTimeout = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan DefaultHealthCheckPollingTime = TimeSpan.FromSeconds(5);

    public static void Configure(DurabilitySettings durability, IConfiguration configuration)
    {
        var mode = configuration["Wolverine:Mode"];
        durability.Mode = string.IsNullOrWhiteSpace(mode) ? DurabilityMode.Balanced
            : Enum.TryParse<DurabilityMode>(mode, ignoreCase: true, out var parsed) && parsed is DurabilityMode.Solo or DurabilityMode.Balanced
                ? parsed
                : throw new InvalidOperationException($"Wolverine:Mode is '{mode}': use Solo (one node) or Balanced (a cluster).");
        durability.StaleNodeTimeout = configuration.GetValue("Wolverine:StaleNodeTimeout", DefaultStaleNodeTimeout);
        durability.HealthCheckPollingTime = configuration.GetValue("Wolverine:HealthCheckPollingTime", DefaultHealthCheckPollingTime);
        if (durability.StaleNodeTimeout < durability.HealthCheckPollingTime * 2)
            throw new InvalidOperationException(
                "Wolverine:StaleNodeTimeout must be at least twice Wolverine:HealthCheckPollingTime, or living nodes would be declared dead.");

        durability.EnableDeduplicatedResponses = true;
        durability.DeduplicationWindow = configuration.GetValue("Idempotency:Retention", TimeSpan.FromHours(24));
    }
}
