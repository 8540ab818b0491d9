using Npgsql;

namespace EventCrm.Faults;

/// <summary>
/// A database of the fault suite's own on the shared throwaway cluster (created as <c>CRM_TEST_ADMIN</c>, owned
/// by the owner's role, its schema applied by <c>db-apply</c>), and the application on it, as its own role. The scenarios run one after another; whatever they
/// do to PostgreSQL, the cluster is running again when the suite ends.
/// </summary>
public sealed class FaultFixture : IAsyncLifetime
{
    public const int Port = 57201;

    private string _admin = "";
    public string Database { get; private set; } = "";
    public string ConnectionString { get; private set; } = "";
    public string Checker { get; private set; } = "";
    public FaultApp App { get; private set; } = null!;

    /// <summary>How many times each scenario runs: once by default (CI), five times with CRM_FULL=1.</summary>
    public static int Runs => Environment.GetEnvironmentVariable("CRM_FULL") == "1" ? 5 : 1;

    public async Task InitializeAsync()
    {
        await Postgres.EnsureRunning();
        _admin = Environment.GetEnvironmentVariable("CRM_TEST_ADMIN")
            ?? throw new InvalidOperationException("CRM_TEST_ADMIN is not set: run the fault suite with ./build/crm test.");
        Database = $"eventcrm_faults_{Guid.NewGuid():N}"[..32];
        await Databases.CreateWithSchema(Database);
        // The shared test cluster runs without synchronous commits for speed: a commit is acknowledged before its
        // WAL is written, and an immediate stop loses the last ones. Production keeps the default (on); so does this
        // database, or the suite would measure the cluster's settings instead of the application. (fsync=off does
        // not matter here: the operating system does not crash, only PostgreSQL stops.)
        await Admin($"alter database {Database} set synchronous_commit = on");
        ConnectionString = Databases.Application(Database);
        // The checks' own connections are never pooled: a connection from before a PostgreSQL restart is broken.
        Checker = new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString;
        App = new FaultApp(ConnectionString, Port);
        await App.Start();
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Postgres.EnsureRunning();
        NpgsqlConnection.ClearAllPools();
        await Admin($"drop database if exists {Database} with (force)");
    }

    private async Task Admin(string sql)
    {
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<T> Scalar<T>(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(Checker);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters) command.Parameters.AddWithValue(p);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}

[CollectionDefinition(Name)]
public sealed class FaultCollection : ICollectionFixture<FaultFixture>
{
    public const string Name = "faults";
}
