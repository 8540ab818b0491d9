using System.Net;
using System.Text.RegularExpressions;
using Deque.AxeCore.Playwright;
using EventCrm.Infrastructure.Security;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace EventCrm.Console;

[Collection(ConsoleCollection.Name)]
public sealed partial class when_the_pages_are_checked(ConsoleApp app, ITestOutputHelper output)
{
    private static readonly string[] Pages = ["", "customers.html", "customer.html", "audit.html", "dashboard.html"];

    [Fact]
    public async Task axe_finds_no_serious_or_critical_violation_on_any_page()
    {
        var found = new List<string>();
        await using (var signedOut = await Visit.Start(app))
        {
            await signedOut.Open("");
            await signedOut.Screenshot("sign-in");
            found.AddRange(await Violations(signedOut, "sign-in"));
        }

        // As an admin every panel shows; as an analyst the notices in place of the history and the audit log.
        foreach (var (role, pages) in new[] { (Roles.Admin, Pages), (Roles.Analyst, new[] { "customer.html", "audit.html" }) })
        {
            await using var visit = await Visit.SignedIn(app, role);
            foreach (var page in pages)
            {
                await visit.Open(page == "customer.html" ? $"customer.html?id={app.Ada}" : page);
                if (page == "customers.html") await Expect(visit.Page.Locator("#customers")).ToBeVisibleAsync();
                if (page == "customer.html") await Expect(visit.Page.Locator("#timeline-table")).ToBeVisibleAsync();
                if (role == Roles.Admin && page == "") await visit.Screenshot("home");
                found.AddRange(await Violations(visit, $"{(page == "" ? "home" : page)} as {role}"));
            }
            visit.Problems.ShouldBeEmpty();
        }
        found.ShouldBeEmpty();
    }

    private async Task<IEnumerable<string>> Violations(Visit visit, string where)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = await visit.Page.RunAxe();
        output.WriteLine($"{where}: axe ran in {watch.ElapsedMilliseconds} ms");
        foreach (var v in result.Violations) output.WriteLine($"{where}: {v.Impact} {v.Id}: {v.Help} ({v.Nodes.Length} elements)");
        return result.Violations.Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{where}: {v.Impact} {v.Id} ({v.Help}) at {string.Join("; ", v.Nodes.Select(n => n.Html))}");
    }

    [Fact]
    public async Task every_page_forbids_inline_script_framing_and_referrers()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(app.Url) };
        foreach (var file in new[] { "", "index.html", "customers.html", "customer.html", "audit.html", "dashboard.html", "signed-in.html", "model.html", "model.js", "console.js", "console.css", "signed-in.js" })
        {
            var response = await http.GetAsync($"/console/{file}");
            response.StatusCode.ShouldBe(HttpStatusCode.OK, file);
            var csp = string.Join(" ", response.Headers.GetValues("Content-Security-Policy"));
            csp.ShouldContain("script-src 'self'");
            csp.ShouldContain("default-src 'none'");
            csp.ShouldContain("frame-ancestors 'none'");
            csp.ShouldNotContain("unsafe-inline");
            csp.ShouldNotContain("unsafe-eval");
            response.Headers.GetValues("X-Frame-Options").ShouldBe(["DENY"]);
            response.Headers.GetValues("X-Content-Type-Options").ShouldBe(["nosniff"]);
            response.Headers.GetValues("Referrer-Policy").ShouldBe(["no-referrer"]);

            if (!file.EndsWith(".js") && !file.EndsWith(".css"))
            {
                var html = await response.Content.ReadAsStringAsync();
                InlineScript().IsMatch(html).ShouldBeFalse($"{file} has a script without src");
                InlineHandler().IsMatch(html).ShouldBeFalse($"{file} has an inline event handler");
                html.ShouldNotContain("style=");
            }
        }
        var bare = await http.GetAsync("/console");
        bare.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        bare.Headers.Location!.OriginalString.ShouldBe("/console/");
        (await http.GetAsync("/console/no-such-page.html")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        // A way out of the console's folder leaves the console: the API's own answer (no token, no file).
        var outside = await http.GetAsync("/console/%2e%2e/appsettings.json");
        outside.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await outside.Content.ReadAsStringAsync()).ShouldNotContain("ConnectionStrings");
        (await http.GetAsync("/console/EventCrm.dll")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var post = await http.PostAsync("/console/index.html", new StringContent("token=x"));
        post.StatusCode.ShouldBe(HttpStatusCode.MethodNotAllowed);
    }

    [Fact]
    public async Task the_token_stays_in_the_tab_never_in_an_address_and_signing_out_forgets_it()
    {
        var token = app.Token(Roles.Auditor);
        await using var visit = await Visit.Start(app);
        await visit.SignIn(token);
        foreach (var page in Pages) await visit.Open(page == "customer.html" ? $"customer.html?id={app.Ada}" : page);

        visit.Requests.Where(r => r.Url.Contains(token[..40], StringComparison.Ordinal)).ShouldBeEmpty();
        (await visit.Page.EvaluateAsync<int>("() => localStorage.length")).ShouldBe(0);
        (await visit.Page.EvaluateAsync<string>("() => sessionStorage.getItem('crm.token')")).ShouldBe(token);
        (await visit.Context.CookiesAsync()).ShouldBeEmpty();

        await visit.Page.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(visit.Page.Locator("#sign-in")).ToBeVisibleAsync();
        (await visit.Page.EvaluateAsync<int>("() => sessionStorage.length")).ShouldBe(0);
        await visit.Open("audit.html");
        await Expect(visit.Page.Locator("#sign-in")).ToBeVisibleAsync();
        visit.Problems.ShouldBeEmpty();
    }

    [Fact]
    public async Task an_expired_session_ends_and_a_bad_token_is_refused_with_a_reason()
    {
        var shortLived = app.Token(Roles.Auditor, lifetime: TimeSpan.FromSeconds(6));
        var expires = DateTimeOffset.UtcNow.AddSeconds(6);
        await using var visit = await Visit.Start(app);
        await visit.SignIn(shortLived);
        await Task.Delay(expires - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(0.5));
        await visit.Open("customers.html");
        await Expect(visit.Page.Locator("#ended")).ToHaveTextAsync("Your token expired: sign in with a new one.");

        await visit.Page.GetByLabel("Your token").FillAsync(app.Token(Roles.Auditor)[..^4] + "AAAA");
        await visit.Page.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(visit.Page.Locator("#sign-in-error")).ToContainTextAsync("The token was not accepted");
        (await visit.Page.EvaluateAsync<int>("() => sessionStorage.length")).ShouldBe(0);
    }

    [GeneratedRegex(@"<script(?![^>]*\ssrc=)[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();

    [GeneratedRegex(@"\son[a-z]+\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex InlineHandler();
}
