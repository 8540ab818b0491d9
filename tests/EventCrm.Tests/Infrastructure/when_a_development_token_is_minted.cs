using System.Diagnostics;
using Alba;
using EventCrm.Infrastructure.Security;

namespace EventCrm.Tests.Infrastructure;

[Collection(AppCollection.Name)]
public class when_a_development_token_is_minted(AppFixture app)
{
    [Fact]
    public async Task the_token_verb_prints_a_token_the_api_accepts_with_every_role_asked_for()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "EventCrm.dll");
        var start = new ProcessStartInfo("dotnet", ["EventCrm.dll", "token", "--user", "alice", "--role", "sales,support", "auditor"])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["Auth__SigningKey"] = AppFixture.SigningKey;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment.Remove("ConnectionStrings__Postgres"); // minting a token needs no database
        File.Exists(dll).ShouldBeTrue();

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        process.ExitCode.ShouldBe(0, await process.StandardError.ReadToEndAsync());
        var token = output.Trim().Split('\n').Last().Trim();

        // sales: may register; auditor: may read history; both with the one token.
        var created = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(token);
            s.Post.Json(new { name = "Minted", email = AppFixture.NewEmail() }).ToUrl("/api/customers");
            s.StatusCodeShouldBe(201);
        });
        var id = (await created.Body()).GetProperty("id").GetGuid();
        var history = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(token);
            s.Get.Url($"/api/customers/{id}/history");
        });
        (await history.Body()).GetProperty("items")[0].GetProperty("user").GetString().ShouldBe("alice");
    }

    [Fact]
    public void an_unknown_role_is_refused()
    {
        Should.Throw<ArgumentException>(() => DevelopmentTokens.Mint(app.Auth, "eve", ["root"], DateTimeOffset.UtcNow))
            .Message.ShouldContain("Unknown role");
    }

    [Fact]
    public void a_short_signing_key_is_refused()
    {
        var weak = new AuthOptions { SigningKey = "short" };
        Should.Throw<InvalidOperationException>(() => DevelopmentTokens.Mint(weak, "eve", [Roles.Admin], DateTimeOffset.UtcNow));
    }
}
