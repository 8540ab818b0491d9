using Npgsql;

namespace EventCrm.Infrastructure;

/// <summary>
/// Every running node holds a shared advisory lock on its database for as long as it runs; maintenance that must
/// not race a running application (loading demo data, which rebuilds every read model under the projection
/// daemon) takes it exclusively, so it is refused while any node runs, and a node starting meanwhile waits for
/// it. PostgreSQL releases a lock when its connection ends, so a killed node holds nothing.
/// </summary>
public static class ApplicationLock
{
    private const string Key = "select hashtext('eventcrm.application')";

    public static IServiceCollection AddApplicationLock(this IServiceCollection services) =>
        services.AddHostedService<HeldWhileRunning>();

    /// <summary>The exclusive lock, held until the returned connection is disposed; null while a node runs.</summary>
    public static async Task<NpgsqlConnection?> TryExclusive(NpgsqlDataSource database, CancellationToken cancellation)
    {
        var connection = await database.OpenConnectionAsync(cancellation);
        await using var take = new NpgsqlCommand($"select pg_try_advisory_lock(({Key}))", connection);
        if ((bool)(await take.ExecuteScalarAsync(cancellation))!) return connection;
        await connection.DisposeAsync();
        return null;
    }

    private sealed class HeldWhileRunning(NpgsqlDataSource database, ILogger<HeldWhileRunning> logger) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stopping)
        {
            // Held on a connection of its own, taken again if the database restarts under it.
            while (!stopping.IsCancellationRequested)
            {
                try
                {
                    await using var connection = await database.OpenConnectionAsync(stopping);
                    await using (var take = new NpgsqlCommand($"select pg_try_advisory_lock_shared(({Key}))", connection))
                    {
                        if (!(bool)(await take.ExecuteScalarAsync(stopping))!)
                        {
                            logger.LogWarning("Maintenance (demo data being loaded) holds the database; waiting for it to finish");
                            await using var wait = new NpgsqlCommand($"select pg_advisory_lock_shared(({Key}))", connection) { CommandTimeout = 0 };
                            await wait.ExecuteNonQueryAsync(stopping);
                        }
                    }
                    while (!stopping.IsCancellationRequested)
                    {
                        await Task.Delay(TimeSpan.FromSeconds(5), stopping);
                        await using var alive = new NpgsqlCommand("select 1", connection);
                        await alive.ExecuteScalarAsync(stopping);
                    }
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception exception) when (exception is NpgsqlException or System.Net.Sockets.SocketException or InvalidOperationException)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), stopping);
                }
            }
        }
    }
}
