using Alba;
using EventCrm.WebConsole;

namespace EventCrm.Tests.WebConsole;

/// <summary>
/// The console's pages are static files that hold no data: served to anyone (a browser cannot send a token with a
/// navigation), under a strict Content-Security-Policy, and no operation of the API description. The browser suite
/// (tests/EventCrm.Console) drives them.
/// </summary>
[Collection(AppCollection.Name)]
public class when_the_console_is_served(AppFixture app)
{
    [Fact]
    public async Task each_page_comes_without_a_token_under_the_content_security_policy()
    {
        foreach (var page in new[] { "", "customers.html", "customer.html", "audit.html", "dashboard.html", "signed-in.html", "model.html", "console.js", "console.css", "icon.svg" })
        {
            var result = await app.Host.Scenario(s =>
            {
                s.Get.Url($"/console/{page}");
                s.StatusCodeShouldBeOk();
            });
            var headers = result.Context.Response.Headers;
            headers.ContentSecurityPolicy.ToString().ShouldBe(WebConsoleModule.ContentSecurityPolicy());
            headers.XFrameOptions.ToString().ShouldBe("DENY");
            headers.XContentTypeOptions.ToString().ShouldBe("nosniff");
            headers["Referrer-Policy"].ToString().ShouldBe("no-referrer");
        }
        WebConsoleModule.ContentSecurityPolicy("https://id.example.com").ShouldNotContain("unsafe");
    }

    [Fact]
    public async Task without_a_provider_the_console_signs_in_by_token_only()
    {
        var result = await app.Host.Scenario(s =>
        {
            s.Get.Url("/console/sign-in.json");
            s.StatusCodeShouldBeOk();
        });
        (await result.Body()).GetProperty("provider").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
        result.Context.Response.Headers.CacheControl.ToString().ShouldBe("no-store");
        WebConsoleModule.ContentSecurityPolicy("https://id.example.com").ShouldContain("connect-src 'self' https://id.example.com;");
        WebConsoleModule.ContentSecurityPolicy().ShouldContain("connect-src 'self';");
    }

    [Fact]
    public async Task what_is_not_a_page_is_a_404_and_nothing_but_reading_is_taken()
    {
        await app.Host.Scenario(s => { s.Get.Url("/console/appsettings.json"); s.StatusCodeShouldBe(404); });
        await app.Host.Scenario(s => { s.Get.Url("/console/EventCrm.WebConsole.WebConsoleModule.cs"); s.StatusCodeShouldBe(404); });
        var post = await app.Host.Scenario(s => { s.Post.Text("token=x").ToUrl("/console/index.html"); s.StatusCodeShouldBe(405); });
        post.Context.Response.Headers.Allow.ToString().ShouldBe("GET, HEAD");
        var bare = await app.Host.Scenario(s => { s.Get.Url("/console"); s.StatusCodeShouldBe(302); });
        bare.Context.Response.Headers.Location.ToString().ShouldBe("/console/");
    }

    [Fact]
    public async Task the_api_description_lists_no_page_of_the_console()
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("reader", "admin"));
            s.Get.Url("/openapi/v1.json");
        });
        var paths = (await result.Body()).GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        paths.ShouldContain("/api/me");
        paths.ShouldNotContain(p => p.StartsWith("/console", StringComparison.Ordinal));
    }
}
