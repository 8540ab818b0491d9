using Alba;
using EventCrm.Customers;
using Marten;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EventCrm.Benchmarks;

/// <summary>
/// The application's own container in this process, configured as in production, for the work that bypasses
/// HTTP: Marten appends, bulk loads and rebuilds use exactly the application's store and projections.
/// </summary>
public sealed class InProcessApp : IAsyncDisposable
{
    private readonly IAlbaHost _host;

    private InProcessApp(IAlbaHost host) => _host = host;

    public IServiceProvider Services => _host.Services;
    public IDocumentStore Store => _host.Services.GetRequiredService<IDocumentStore>();
    public CustomerRules Rules => _host.Services.GetRequiredService<CustomerRules>();

    public static async Task<InProcessApp> Start(string connectionString, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var host = await AlbaHost.For<Program>(builder =>
        {
            builder.UseEnvironment("Production");
            // The built application's folder, with its appsettings.json: the same as the process the HTTP scenarios start.
            builder.UseContentRoot(Path.GetDirectoryName(AppProcess.AppDll)!);
            builder.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Postgres"] = connectionString,
                ["Auth:SigningKey"] = AppProcess.SigningKey,
                ["Jobs:RunServer"] = "false",
                ["Logging:Format"] = "text",
                ["Serilog:MinimumLevel:Default"] = "Warning",
                ["Serilog:MinimumLevel:Override:Microsoft.Hosting.Lifetime"] = "Warning",
            }.Concat(settings ?? new Dictionary<string, string?>())));
        });
        return new InProcessApp(host);
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();
}
