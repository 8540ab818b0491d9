using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Deque.AxeCore.Playwright;
using EventCrm.Infrastructure.Security;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace EventCrm.Console;

/// <summary>
/// A deployment with <c>Auth:Authority</c>: the console signs people in through the OpenID Connect provider
/// (authorization code with PKCE, the console a public client), and the API takes the provider's access token and
/// no other. The provider (OpenIddict, in the test process) refuses a token request without the PKCE verifier.
/// </summary>
[Collection(ConsoleCollection.Name)]
public class when_a_person_signs_in_through_the_company_provider(ConsoleApp app)
{
    [Fact]
    public async Task the_console_runs_the_code_flow_with_pkce_and_the_api_takes_the_providers_token()
    {
        var deployment = await app.WithProvider();
        await using var visit = await Visit.Start(app);
        await visit.Page.GotoAsync($"{deployment.Url}/console/");

        var signIn = visit.Page.GetByRole(AriaRole.Button, new() { Name = "Sign in with 127.0.0.1" });
        await Expect(signIn).ToBeVisibleAsync();
        await visit.Screenshot("sign-in-openid-connect");
        var axe = await visit.Page.RunAxe();
        axe.Violations.Where(v => v.Impact is "serious" or "critical").Select(v => v.Id).ShouldBeEmpty();
        await signIn.ClickAsync();

        // At the provider: its own page, then back to the console, signed in.
        try
        {
            // The provider's first answer includes its start-up work (keys, handlers): longer than a page of the console.
            await visit.Page.WaitForURLAsync(url => url.StartsWith(deployment.Provider.Issuer, StringComparison.Ordinal), new() { Timeout = 30_000 });
        }
        catch (TimeoutException timeout)
        {
            throw new TimeoutException($"The console did not go to the provider: at {visit.Page.Url}; " +
                $"problems: {string.Join("; ", visit.Problems)}; authorization requests: {string.Join("; ", deployment.Provider.AuthorizationRequests)}", timeout);
        }
        await visit.Page.GetByLabel("User name").FillAsync("olga");
        await visit.Page.GetByLabel("Role").SelectOptionAsync("auditor");
        await visit.Page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await Expect(visit.Page.Locator("#home")).ToBeVisibleAsync();
        visit.Page.Url.ShouldBe($"{deployment.Url}/console/");
        await Expect(visit.Page.Locator(".who")).ToContainTextAsync("Signed in as olga (auditor)");
        await Expect(visit.Page.GetByRole(AriaRole.Link, new() { Name = "Audit log" }).First).ToBeVisibleAsync();

        // PKCE both ways: the challenge (S256) went to the authorization endpoint, the verifier to the token endpoint.
        deployment.Provider.AuthorizationRequests.ShouldContain(r =>
            r.Contains("client_id=eventcrm-console") && r.Contains("code_challenge_method=S256") && r.Contains("code_challenge=present"));
        deployment.Provider.TokenRequests.ShouldContain(r => r.Contains("grant_type=authorization_code") && r.Contains("code_verifier=present"));
        // The code came back to the console's callback (which takes it out of the address at once: the next test).
        visit.Requests.ShouldContain(r => r.Url.StartsWith($"{deployment.Url}/console/signed-in.html?code=", StringComparison.Ordinal));

        // The session holds the provider's access token, and the API names the person from it.
        var token = await visit.Page.EvaluateAsync<string>("() => sessionStorage.getItem('crm.token')");
        using var api = new HttpClient { BaseAddress = new Uri(deployment.Url) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var me = await api.GetFromJsonAsync<JsonElement>("/api/me");
        me.GetProperty("user").GetString().ShouldBe("olga");
        me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).ShouldBe(["auditor"]);
        (await api.GetAsync("/api/audit/events")).StatusCode.ShouldBe(HttpStatusCode.OK);

        // A token signed any other way (the other deployment's development key) is not taken here.
        using var stranger = new HttpClient { BaseAddress = new Uri(deployment.Url) };
        stranger.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", app.Token(Roles.Admin));
        (await stranger.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        // Signing out forgets the token.
        await visit.Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(visit.Page.Locator("#sign-in")).ToBeVisibleAsync();
        (await visit.Page.EvaluateAsync<string?>("() => sessionStorage.getItem('crm.token')")).ShouldBeNull();
        visit.Problems.ShouldBeEmpty();
    }

    [Fact]
    public async Task an_answer_that_did_not_start_in_the_tab_signs_no_one_in()
    {
        var deployment = await app.WithProvider();
        await using var visit = await Visit.Start(app);
        var tokenRequests = deployment.Provider.TokenRequests.Count;

        await visit.Page.GotoAsync($"{deployment.Url}/console/signed-in.html?code=caught-elsewhere&state=forged");
        await Expect(visit.Page.Locator("#reason")).ToContainTextAsync("did not start in this browser tab");
        visit.Page.Url.ShouldBe($"{deployment.Url}/console/signed-in.html");
        var axe = await visit.Page.RunAxe();
        axe.Violations.Where(v => v.Impact is "serious" or "critical").Select(v => v.Id).ShouldBeEmpty();

        await visit.Page.GotoAsync($"{deployment.Url}/console/signed-in.html?error=access_denied&error_description=The%20user%20declined");
        await Expect(visit.Page.Locator("#reason")).ToHaveTextAsync("The sign-in provider did not sign you in: The user declined.");

        (await visit.Page.EvaluateAsync<string?>("() => sessionStorage.getItem('crm.token')")).ShouldBeNull();
        deployment.Provider.TokenRequests.Count.ShouldBe(tokenRequests);
    }

    [Fact]
    public async Task the_provider_takes_no_code_without_its_verifier_and_the_pages_may_reach_only_it()
    {
        var deployment = await app.WithProvider();
        using var http = new HttpClient { BaseAddress = new Uri(deployment.Url) };
        var settings = await http.GetAsync("/console/sign-in.json");
        settings.StatusCode.ShouldBe(HttpStatusCode.OK);
        var provider = (await settings.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("provider");
        provider.GetProperty("authorizationEndpoint").GetString().ShouldBe($"{deployment.Provider.Issuer}connect/authorize");
        provider.GetProperty("tokenEndpoint").GetString().ShouldBe($"{deployment.Provider.Issuer}connect/token");
        provider.GetProperty("clientId").GetString().ShouldBe(OpenIdProvider.ClientId);
        string.Join(" ", settings.Headers.GetValues("Content-Security-Policy"))
            .ShouldContain($"connect-src 'self' {deployment.Provider.Issuer.TrimEnd('/')};");

        // A code request without a challenge is refused by the provider (PKCE is required), so no code exists
        // that a token request could redeem without a verifier.
        using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(deployment.Provider.Issuer) };
        var redirect = Uri.EscapeDataString($"{deployment.Url}/console/signed-in.html");
        var refused = await noRedirects.GetAsync($"connect/authorize?response_type=code&client_id={OpenIdProvider.ClientId}&redirect_uri={redirect}&scope=openid&state=s");
        var answer = refused.Headers.Location?.ToString() ?? await refused.Content.ReadAsStringAsync();
        answer.ShouldContain("invalid_request");
        answer.ShouldContain("The mandatory 'code_challenge' parameter is missing.");
    }
}
