using System.Net.Http.Headers;
using Alba;
using EventCrm.Infrastructure.Security;
using EventCrm.Infrastructure.Storage;
using Marten;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Wolverine;
using Wolverine.Tracking;

namespace EventCrm.Tests;

/// <summary>
/// The whole application, hosted in memory against the real PostgreSQL that <c>build/crm test</c> starts
/// (<c>ConnectionStrings__Postgres</c>). Started once for every integration test; tests isolate themselves
/// with fresh ids and e-mail addresses instead of wiping the database.
/// </summary>
public sealed class AppFixture : IAsyncLifetime
{
    public const string SigningKey = "integration-tests-signing-key-0123456789abcdef";

    public IAlbaHost Host { get; private set; } = null!;

    /// <summary>The application's clock: real time, unless a test moves it (and moves it back).</summary>
    public ShiftableClock Clock { get; } = new();

    public IDocumentStore Store => Host.Services.GetRequiredService<IDocumentStore>();

    /// <summary>Tables, columns and indexes as the store maps them, for the tests that read PostgreSQL directly.</summary>
    public StoreNames Names => Host.Services.GetRequiredService<StoreNames>();

    public async Task InitializeAsync()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("ConnectionStrings__Postgres")))
            throw new InvalidOperationException(
                "Integration tests need PostgreSQL: run them with ./build/crm test (or set ConnectionStrings__Postgres).");

        Host = await AlbaHost.For<Program>(builder =>
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("Auth:SigningKey", SigningKey);
            builder.UseSetting("Api:PublicDocs", "false");
            builder.UseSetting("Jobs:RunServer", "false");
            builder.UseSetting("Logging:Format", "text");
            builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");
            builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
        });
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();

    public AuthOptions Auth => Host.Services.GetRequiredService<IOptions<AuthOptions>>().Value;

    public string TokenFor(string user, params string[] roles) =>
        DevelopmentTokens.Mint(Auth, user, roles, DateTimeOffset.UtcNow);

    /// <summary>Runs a scenario and waits until every message it sent has been handled.</summary>
    public async Task<IScenarioResult> ScenarioAndWait(Action<Scenario> configure)
    {
        IScenarioResult? result = null;
        await ((IHost)Host).TrackActivity().Timeout(TimeSpan.FromSeconds(30))
            .ExecuteAndWaitAsync((Func<IMessageContext, Task>)(async _ => result = await Host.Scenario(configure)));
        return result!;
    }

    /// <summary>A unique, valid e-mail address so tests never collide in the shared database.</summary>
    public static string NewEmail(string who = "customer") => $"{who}.{Guid.NewGuid():N}@example.com";
}

[CollectionDefinition(Name)]
public sealed class AppCollection : ICollectionFixture<AppFixture>
{
    public const string Name = "application";
}

/// <summary>Real time plus an offset that a test can move forward and that returns to zero afterwards.</summary>
public sealed class ShiftableClock : TimeProvider
{
    public TimeSpan Offset { get; private set; }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;

    /// <summary>Moves the clock on by <paramref name="by"/> until the returned handle is disposed.</summary>
    public IDisposable Travel(TimeSpan by)
    {
        var before = Offset;
        Offset += by;
        return new Return(this, before);
    }

    private sealed class Return(ShiftableClock clock, TimeSpan to) : IDisposable
    {
        public void Dispose() => clock.Offset = to;
    }
}
