using System.Text.Json;
using Alba;
using EventCrm.Customers;
using EventCrm.Demo;
using EventCrm.Infrastructure.Security;
using Marten;
using Marten.Events;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EventCrm.Tests.Models;

/// <summary>
/// A second instance of the application on a database of its own (<c>CRM_MODELS_CONNECTION</c>, created by
/// <c>build/crm test</c>) holding deterministic demo customers to learn from, with a Hangfire server running,
/// so that training goes through the real job machinery. The other tests never see its data.
/// </summary>
public sealed class ModelsFixture : IAsyncLifetime
{
    public const int DemoCustomers = 1_500;
    public const string ChurnSchedule = "5 4 * * 1";

    public IAlbaHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var connection = Environment.GetEnvironmentVariable("CRM_MODELS_CONNECTION") is { Length: > 0 } c
            ? c
            : throw new InvalidOperationException("Set CRM_MODELS_CONNECTION to an empty database (build/crm test does) to test the models.");
        Host = await AlbaHost.For<Program>(builder =>
        {
            builder.UseEnvironment("Testing");
            builder.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Postgres"] = connection,
                ["Auth:SigningKey"] = AppFixture.SigningKey,
                ["Api:PublicDocs"] = "false",
                ["Jobs:RunServer"] = "true",
                ["Jobs:WorkerCount"] = "2",
                ["Jobs:QueuePollInterval"] = "00:00:01",
                ["Models:Schedules:churn"] = ChurnSchedule,
                ["Logging:Format"] = "text",
                ["Serilog:MinimumLevel:Default"] = "Warning",
            }));
        });
        var store = Host.Services.GetRequiredService<IDocumentStore>();
        if (await DemoSeeder.IsEmpty(store, CancellationToken.None))
            await DemoSeeder.Seed(Host.Services, DemoCustomers, seed: 42,
                new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero), progress: null, CancellationToken.None, daemonRunning: true);
        await Host.WaitForNonStaleProjectionDataAsync(TimeSpan.FromMinutes(2));
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();

    public string Token(string role = Roles.Analyst) =>
        DevelopmentTokens.Mint(Host.Services.GetRequiredService<IOptions<AuthOptions>>().Value, "nina", [role], DateTimeOffset.UtcNow);

    public async Task<JsonElement> Get(string url, string role = Roles.Analyst)
    {
        var result = await Host.Scenario(s =>
        {
            s.WithBearerToken(Token(role));
            s.Get.Url(url);
            s.IgnoreStatusCode();
        });
        result.Context.Response.StatusCode.ShouldBe(200, await result.ReadAsTextAsync());
        return await result.Body();
    }

    /// <summary>Asks for a run through the API and waits for Hangfire to finish it; answers the run.</summary>
    public async Task<JsonElement> Train(string model, string[]? features = null)
    {
        var result = await Host.Scenario(s =>
        {
            s.WithBearerToken(Token());
            s.Post.Json<object>(features is null ? new { } : new { features }).ToUrl($"/api/models/{model}/train");
            s.StatusCodeShouldBe(202);
        });
        var runId = (await result.Body()).GetProperty("runId").GetGuid();
        return await RunOf(model, r => r.GetProperty("runId").GetGuid() == runId);
    }

    /// <summary>Waits until a run that matches is finished (activated, rejected or failed).</summary>
    public async Task<JsonElement> RunOf(string model, Func<JsonElement, bool> which)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (DateTime.UtcNow < deadline)
        {
            var runs = await Get($"/api/models/{model}/runs");
            if (runs.EnumerateArray().FirstOrDefault(which) is { ValueKind: JsonValueKind.Object } run
                && run.GetProperty("status").GetString() is "activated" or "rejected" or "failed")
                return run;
            await Task.Delay(500);
        }
        throw new TimeoutException($"No finished run of {model} within three minutes.");
    }

    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>The model's card once a version is active, training one the first time.</summary>
    public async Task<JsonElement> Active(string model)
    {
        await _gate.WaitAsync();
        try
        {
            var card = await Get($"/api/models/{model}");
            if (card.GetProperty("active").ValueKind == JsonValueKind.Object) return card;
            var run = await Train(model);
            run.GetProperty("status").GetString().ShouldBe("activated", run.GetRawText());
            return await Get($"/api/models/{model}");
        }
        finally
        {
            _gate.Release();
        }
    }
}
