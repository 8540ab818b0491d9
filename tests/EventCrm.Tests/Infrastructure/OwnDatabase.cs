using EventCrm.Testing;
using Npgsql;

namespace EventCrm.Tests.Infrastructure;

/// <summary>
/// An empty database of its own on the test server, for a test that starts a second application and must not
/// disturb the shared one (its nodes, its projection daemon). Created as the superuser that <c>build/crm test</c>
/// exports (<c>CRM_TEST_ADMIN</c>), owned by the owner's role, its schema applied by <c>db-apply</c> as an operator
/// applies it (the application changes no schema), reached as the application's role, dropped afterwards.
/// </summary>
public sealed class OwnDatabase : IAsyncDisposable
{
    private readonly string _admin;

    private OwnDatabase(string admin, string name, NpgsqlConnectionStringBuilder application)
    {
        _admin = admin;
        Name = name;
        Application = application;
    }

    public string Name { get; }

    /// <summary>The application's connection string to this database.</summary>
    public NpgsqlConnectionStringBuilder Application { get; }

    public static async Task<OwnDatabase> Create(string purpose)
    {
        var admin = Environment.GetEnvironmentVariable("CRM_TEST_ADMIN")
            ?? throw new InvalidOperationException("CRM_TEST_ADMIN is not set: run the tests with ./build/crm test.");
        var name = $"eventcrm_{purpose}_{Guid.NewGuid():N}"[..40];
        await Databases.CreateWithSchema(name);
        var application = new NpgsqlConnectionStringBuilder(Databases.Application(name));
        return new OwnDatabase(admin, name, application);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"drop database if exists {Name} with (force)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
