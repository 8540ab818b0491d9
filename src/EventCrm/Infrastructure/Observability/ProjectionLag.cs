using Marten;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EventCrm.Infrastructure.Observability;

/// <summary>
/// How far each asynchronous projection and subscription trails the event store: the events appended after its
/// progress mark (up to the last one appended, so that a daemon stopped everywhere still shows its lag), and the
/// age of the oldest of them. Read from Marten's own tables, for every shard the store knows.
/// </summary>
public sealed class ProjectionLag(IDocumentStore store, NpgsqlDataSource database)
{
    private readonly string _schema = store.Options.Events.DatabaseSchemaName;

    private IReadOnlyList<string> Shards { get; } =
        ((StoreOptions)store.Options).Projections.AllShards().Select(shard => shard.Name.Identity).Distinct().Order(StringComparer.Ordinal).ToList();

    public async Task<(long LastSequence, IReadOnlyList<ProjectionLagReading> Projections)> Read(CancellationToken cancellation)
    {
        // One statement: the last sequence, then per shard its progress (0 when it never ran) and the
        // timestamp of the first event after it, both by the primary key of mt_events.
        await using var command = database.CreateCommand($"""
            with last as (select coalesce(max(seq_id), 0) as seq from {_schema}.mt_events),
            shard as (select unnest($1::text[]) as name)
            select shard.name, last.seq, coalesce(p.last_seq_id, 0),
                   extract(epoch from now() - (select e.timestamp from {_schema}.mt_events e
                       where e.seq_id > coalesce(p.last_seq_id, 0) order by e.seq_id limit 1))
            from shard cross join last
            left join {_schema}.mt_event_progression p on p.name = shard.name
            order by shard.name
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = Shards.ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        var projections = new List<ProjectionLagReading>();
        long last = 0;
        while (await reader.ReadAsync(cancellation))
        {
            last = reader.GetInt64(1);
            var behind = Math.Max(0, last - reader.GetInt64(2));
            var seconds = behind == 0 || reader.IsDBNull(3) ? 0 : Math.Max(0, (double)reader.GetDecimal(3));
            projections.Add(new ProjectionLagReading(ProjectionName(reader.GetString(0)), behind, Math.Round(seconds, 3)));
        }
        return (last, projections);
    }

    /// <summary>"SalesPipelineEntry:All" is the projection's one shard: name it by its projection.</summary>
    private static string ProjectionName(string shard) =>
        shard.EndsWith(":All", StringComparison.OrdinalIgnoreCase) ? shard[..^4] : shard;
}

/// <summary>
/// <c>/health/ready</c> turns Degraded (still 200: the lag is the cluster's, not this node's, so a balancer should
/// keep sending it traffic) when a projection's oldest unprocessed event is older than
/// <c>Observability:MaxProjectionLag</c>.
/// </summary>
internal sealed class ProjectionLagCheck(ProjectionLag lag, IOptions<ObservabilityOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var (_, projections) = await lag.Read(cancellationToken);
        var bound = options.Value.MaxProjectionLag;
        var behind = projections.Where(p => p.Seconds > bound.TotalSeconds).ToList();
        var data = projections.ToDictionary(p => p.Name, p => (object)new { events = p.Events, seconds = p.Seconds });
        return behind.Count == 0
            ? HealthCheckResult.Healthy("Every asynchronous projection is within its lag bound.", data)
            : HealthCheckResult.Degraded(
                $"{string.Join(", ", behind.Select(p => $"{p.Name} is {p.Events} events and {p.Seconds:0} s behind"))} (bound {bound.TotalSeconds:0} s).",
                data: data);
    }
}
