using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace EventCrm.Infrastructure.Security;

/// <summary>
/// In Development, once the server listens: where everything is, and an admin token to start with — printed by the
/// running application itself, so starting it takes one process.
/// </summary>
public sealed class DevelopmentBanner(IServer server, IHostApplicationLifetime lifetime, IHostEnvironment environment,
    IOptions<AuthOptions> auth, TimeProvider clock) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!environment.IsDevelopment() || auth.Value.UsesAuthority) return Task.CompletedTask;
        lifetime.ApplicationStarted.Register(Print);
        return Task.CompletedTask;
    }

    private void Print()
    {
        var url = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()?.Replace("0.0.0.0", "localhost")
                  ?? "http://localhost:5080";
        var token = DevelopmentTokens.Mint(auth.Value, "admin", [Roles.Admin], clock.GetUtcNow());
        Console.Out.WriteLine($"""

              EventCrm is running ({environment.EnvironmentName})
                API             {url}/api
                API docs        {url}/docs          (OpenAPI: {url}/openapi/v1.json)
                Web console     {url}/console/      (sign in with a token: ./build/crm token audrey auditor)
                Jobs dashboard  {url}/hangfire?access_token={token}
                Health          {url}/health/ready
                Admin token     {token}

                curl -H "Authorization: Bearer $TOKEN" {url}/api/customers
                Other roles: ./build/crm token alice sales

              Ctrl-C stops the API; the database keeps running (./build/crm db down stops it).

            """);
        Console.Out.Flush();
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
