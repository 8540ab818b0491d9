using EventCrm.Infrastructure.Storage;
using Marten;
using Npgsql;

namespace EventCrm.Audit;

/// <summary>
/// Indexes on the event table for the audit log's filters. Marten does not manage them (it is told to leave
/// them alone); they are created when the host starts, after Marten has created its tables.
/// </summary>
public static class AuditStorage
{
    private static readonly (string Name, string Definition)[] Indexes =
    [
        ("ix_mt_events_user_name", "(user_name, seq_id)"),
        ("ix_mt_events_correlation_id", "(correlation_id)"),
        ("ix_mt_events_timestamp", "(timestamp)"),
    ];

    public static void Configure(StoreOptions options)
    {
        options.Events.EnableEventTypeIndex = true;
        foreach (var (name, _) in Indexes) options.Events.IgnoreIndex(name);
    }

    internal sealed class CreateAuditIndexes(NpgsqlDataSource database, StoreNames names) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await using var connection = await database.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            // Nodes starting together take turns.
            await using (var lockCommand = new NpgsqlCommand("select pg_advisory_xact_lock(hashtext('eventcrm.audit-indexes'))", connection, transaction))
                await lockCommand.ExecuteNonQueryAsync(cancellationToken);
            foreach (var (name, definition) in Indexes)
            {
                await using var create = new NpgsqlCommand(
                    $"create index if not exists {name} on {names.Events} {definition}", connection, transaction);
                await create.ExecuteNonQueryAsync(cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
