using JasperFx.CommandLine;
using Microsoft.Extensions.Options;

namespace EventCrm.Infrastructure.Security;

public class TokenInput : NetCoreInput
{
    [Description("The user the token names (claims 'sub' and 'name')")]
    [FlagAlias("user", 'u')]
    public string UserFlag { get; set; } = "";

    [Description("The roles to grant, after one --role: --role sales support (or sales,support). Roles: admin, sales, support, marketing, analyst, auditor, integration")]
    [FlagAlias("role", 'r')]
    public List<string> RoleFlag { get; set; } = [];

    [Description("Lifetime of the token, e.g. 08:00:00 (default: Auth:DevelopmentTokenLifetime)")]
    [FlagAlias("lifetime", 'l')]
    public string? LifetimeFlag { get; set; }
}

/// <summary><c>dotnet run -- token --user alice --role sales</c>: prints a signed development token.</summary>
[Description("Mint a development JWT signed with Auth:SigningKey", Name = "token")]
public class TokenCommand : JasperFxAsyncCommand<TokenInput>
{
    public override Task<bool> Execute(TokenInput input)
    {
        // Building the host reads configuration only; nothing touches the database.
        using var host = input.BuildHost();
        var options = host.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
        var roles = input.RoleFlag.SelectMany(r => r.Split(',', StringSplitOptions.RemoveEmptyEntries));
        TimeSpan? lifetime = input.LifetimeFlag is { Length: > 0 } text ? TimeSpan.Parse(text) : null;

        try
        {
            var token = DevelopmentTokens.Mint(options, input.UserFlag, roles, DateTimeOffset.UtcNow, lifetime);
            Console.Out.WriteLine(token);
            return Task.FromResult(true);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            Console.Error.WriteLine(e.Message);
            return Task.FromResult(false);
        }
    }
}
