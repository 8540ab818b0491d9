using System.Diagnostics;
using Alba;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace EventCrm.Tests.Infrastructure;

/// <summary>
/// An application of its own, in a database of its own, reaching PostgreSQL through a link the test cuts: what
/// a client gets while the database is away, and how soon the application serves again when it is back. In the
/// application's collection, so that it never runs beside the tests that read the shared application's metrics
/// (a second host in the process publishes under the same meter names).
/// </summary>
[Collection(AppCollection.Name)]
public sealed class when_the_database_is_away : IAsyncLifetime
{
    private OwnDatabase _database = null!;
    private DatabaseLink _link = null!;
    private IAlbaHost _host = null!;

    public async Task InitializeAsync()
    {
        _database = await OwnDatabase.Create("outage");
        _link = new DatabaseLink(_database.Application.Host!, _database.Application.Port, listenPort: 57101);
        var linked = new Npgsql.NpgsqlConnectionStringBuilder(_database.Application.ConnectionString)
        {
            Host = "127.0.0.1",
            Port = _link.Port,
            Timeout = 3,
        };
        _host = await AlbaHost.For<Program>(builder =>
        {
            builder.UseEnvironment("Testing");
            builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Postgres"] = linked.ConnectionString,
                ["Auth:SigningKey"] = AppFixture.SigningKey,
                ["Jobs:RunServer"] = "false",
                ["Wolverine:Mode"] = "Solo",
                ["Logging:Format"] = "text",
                ["Serilog:MinimumLevel:Default"] = "Warning",
            }));
        });
    }

    public async Task DisposeAsync()
    {
        _link.Restore();
        await _host.DisposeAsync();
        await _link.DisposeAsync();
        await _database.DisposeAsync();
    }

    private string Token => DevelopmentTokens.Mint(new AuthOptions { SigningKey = AppFixture.SigningKey }, "sam", [Roles.Sales],
        DateTimeOffset.UtcNow);

    private Task<IScenarioResult> Register(string email) => _host.Scenario(s =>
    {
        s.WithBearerToken(Token);
        s.Post.Json(new { name = "Outage Customer", email }).ToUrl("/api/customers");
        s.IgnoreStatusCode();
    });

    private Task<IScenarioResult> Read(Guid id) => _host.Scenario(s =>
    {
        s.WithBearerToken(Token);
        s.Get.Url($"/api/customers/{id}");
        s.IgnoreStatusCode();
    });

    [Fact]
    public async Task commands_and_reads_answer_503_with_retry_after_and_serve_again_when_it_is_back()
    {
        var registered = await Register(AppFixture.NewEmail("before"));
        registered.Context.Response.StatusCode.ShouldBe(201);
        var id = (await registered.Body()).GetProperty("id").GetGuid();

        _link.Cut();

        var read = await Read(id);
        var problem = await read.ShouldBeProblem(503, "urn:eventcrm:problem:store-unavailable");
        read.Header("Retry-After").ShouldBe("2");
        problem.GetProperty("detail").GetString().ShouldNotBeNull().ShouldContain("Idempotency-Key");

        var command = await Register(AppFixture.NewEmail("during"));
        await command.ShouldBeProblem(503, "urn:eventcrm:problem:store-unavailable");
        command.Header("Retry-After").ShouldBe("2");

        _link.Restore();
        var back = Stopwatch.StartNew();
        int status;
        do
        {
            status = (await Read(id)).Context.Response.StatusCode;
            if (status != 200) await Task.Delay(100);
        } while (status != 200 && back.Elapsed < TimeSpan.FromSeconds(10));
        status.ShouldBe(200, "the application did not serve again within 10 s of the database's return");
    }
}
