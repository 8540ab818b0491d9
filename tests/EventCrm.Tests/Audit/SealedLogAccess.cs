using EventCrm.Audit;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventCrm.Tests.Audit;

/// <summary>The sealed log as tests look at it: waiting for the sealer, and the database as its superuser sees it.</summary>
public static class SealedLogAccess
{
    /// <summary>The last sequence in the store now (what the next checkpoint will have to cover).</summary>
    public static async Task<long> LastSequence(this AppFixture app)
    {
        await using var command = app.Host.Services.GetRequiredService<NpgsqlDataSource>()
            .CreateCommand($"select coalesce(max(seq_id), 0) from {app.Names.Events}");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Waits until the sealer has sealed everything up to <paramref name="sequence"/>.</summary>
    public static async Task<SealedLog.SealState> SealedUpTo(this AppFixture app, long sequence)
    {
        var database = app.Host.Services.GetRequiredService<NpgsqlDataSource>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            await using var connection = await database.OpenConnectionAsync();
            var state = await SealedLog.SealState.Load(connection, CancellationToken.None);
            if (state.LastSequence >= sequence) return state;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"The sealer reached sequence {state.LastSequence}, not {sequence}, within a minute.");
            await Task.Delay(100);
        }
    }

    /// <summary>Everything appended so far sealed, and a checkpoint signed over it.</summary>
    public static async Task<Checkpoint> Checkpointed(this AppFixture app)
    {
        await app.SealedUpTo(await app.LastSequence());
        var checkpoints = app.Host.Services.GetRequiredService<Checkpoints>();
        return await checkpoints.SealAsync(now: true, CancellationToken.None) ?? (await checkpoints.Latest(CancellationToken.None))!;
    }

    public static Task<VerificationReport> Verify(this AppFixture app, long? from = null, long? to = null,
        IReadOnlyList<Checkpoint>? checkpoints = null) =>
        app.Host.Services.GetRequiredService<AuditVerifier>().Verify(from, to, checkpoints, CancellationToken.None);

    /// <summary>The test database as its superuser (<c>CRM_TEST_ADMIN</c>): what someone with full access could do.</summary>
    public static NpgsqlConnection Superuser(this AppFixture app)
    {
        var admin = Environment.GetEnvironmentVariable("CRM_TEST_ADMIN") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException("CRM_TEST_ADMIN is not set (build/crm test sets it).");
        var database = new NpgsqlConnectionStringBuilder(Environment.GetEnvironmentVariable("ConnectionStrings__Postgres")).Database;
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(admin) { Database = database }.ConnectionString);
        connection.Open();
        return connection;
    }

    public static async Task<object?> Execute(this NpgsqlConnection connection, string sql, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters) command.Parameters.AddWithValue(parameter);
        return await command.ExecuteScalarAsync();
    }
}
