namespace EventCrm.Console;

/// <summary>
/// The application deployed as production deploys it: no signing key of its own, <c>Auth:Authority</c> naming an
/// OpenID Connect provider (<see cref="OpenIdProvider"/>), whose tokens are the only ones it takes. A database of
/// its own: nothing in it but what the sign-in writes.
/// </summary>
public sealed class SignInDeployment : IAsyncDisposable
{
    private readonly string _database;

    public OpenIdProvider Provider { get; }
    public AppProcess App { get; }
    public string Url => App.Url;

    private SignInDeployment(OpenIdProvider provider, AppProcess app, string database)
    {
        Provider = provider;
        App = app;
        _database = database;
    }

    public static async Task<SignInDeployment> Start()
    {
        var provider = await OpenIdProvider.Start();
        var database = $"eventcrm_console_oidc_{Environment.ProcessId}";
        await Databases.CreateWithSchema(database);
        var app = AppProcess.Start(new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = Databases.Application(database),
            ["Auth__Authority"] = provider.Issuer,
            ["Auth__Issuer"] = provider.Issuer,
            ["Auth__Audience"] = OpenIdProvider.Audience,
            // The provider is on loopback, without TLS; a production provider is reached over HTTPS.
            ["Auth__RequireHttpsMetadata"] = "false",
            // With no Auth:SigningKey to derive it from, the marketing links need a key of their own, as in production.
            ["Marketing__Links__SigningKey"] = "console-suite-marketing-link-key-0123456789",
            ["Jobs__RunServer"] = "false",
        });
        provider.RedirectUri = $"{app.Url}/console/signed-in.html";
        await app.Ready();
        return new SignInDeployment(provider, app, database);
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await Provider.DisposeAsync();
        if (Environment.GetEnvironmentVariable("CRM_TEST_RESULTS") is { Length: > 0 } results)
            await File.WriteAllLinesAsync(Path.Combine(results, "console-oidc-app.log"), App.Log);
        await Databases.Drop(_database);
    }
}
