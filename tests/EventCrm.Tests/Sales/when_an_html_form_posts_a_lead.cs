using System.Text;
using Alba;
using EventCrm.Infrastructure.Security;
using EventCrm.Sales;
using Marten;

namespace EventCrm.Tests.Sales;

/// <summary>
/// Issue 15, class 16: a plain HTML form can post to the public web form (url-encoded or multipart, honeypot and
/// all), only from the sites the form allows; other methods are 405 and other bodies 415, with problem bodies.
/// </summary>
[Collection(AppCollection.Name)]
public class when_an_html_form_posts_a_lead(AppFixture app)
{
    private async Task<string> NewForm(params string[] origins)
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("root", Roles.Admin));
            s.Post.Json(new { name = "Landing page", allowedOrigins = origins }).ToUrl("/api/admin/forms");
            s.StatusCodeShouldBe(201);
        });
        return (await result.Body()).GetProperty("key").GetString()!;
    }

    private Task<IScenarioResult> Post(string key, string? contentType, string body, string method = "POST", params (string, string)[] headers) =>
        app.Host.Scenario(s =>
        {
            foreach (var (name, value) in headers) s.WithRequestHeader(name, value);
            var verb = method switch { "PUT" => s.Put, "PATCH" => s.Patch, "DELETE" => s.Delete, "GET" => s.Get, _ => s.Post };
            verb.Url($"/api/forms/{key}/leads");
            s.ConfigureHttpContext(http =>
            {
                var bytes = Encoding.UTF8.GetBytes(body);
                http.Request.Body = new MemoryStream(bytes);
                http.Request.ContentLength = bytes.Length;
                http.Request.ContentType = contentType;
            });
            s.IgnoreStatusCode();
        });

    private static string Encoded(params (string Name, string Value)[] fields) =>
        string.Join('&', fields.Select(f => $"{Uri.EscapeDataString(f.Name)}={Uri.EscapeDataString(f.Value)}"));

    private async Task<LeadView?> LeadWith(string email)
    {
        await using var session = app.Store.QuerySession();
        return await session.Query<LeadView>().SingleOrDefaultAsync(l => l.Email == email);
    }

    private async Task<string?> OriginRecordedFor(Guid lead)
    {
        await using var session = app.Store.QuerySession();
        return ((LeadCaptured)(await session.Events.FetchStreamAsync(lead)).Single().Data).Origin;
    }

    [Fact]
    public async Task a_url_encoded_post_captures_the_lead_as_json_would()
    {
        var key = await NewForm();
        var email = AppFixture.NewEmail("html");

        var result = await Post(key, "application/x-www-form-urlencoded",
            Encoded(("name", "Hilde Html"), ("email", email), ("company", "Forms & Co"), ("message", "Hello\r\nthere"), ("website", "")),
            headers: ("Origin", "https://shop.example.com"));

        result.Context.Response.StatusCode.ShouldBe(202, await result.ReadAsTextAsync());
        (await result.Body()).GetProperty("received").GetBoolean().ShouldBeTrue();
        var lead = (await LeadWith(email)).ShouldNotBeNull();
        lead.Name.ShouldBe("Hilde Html");
        lead.FormKey.ShouldBe(key);
        (await OriginRecordedFor(lead.Id)).ShouldBe("https://shop.example.com");
    }

    [Fact]
    public async Task a_multipart_post_is_taken_too()
    {
        var key = await NewForm();
        var email = AppFixture.NewEmail("multipart");
        var body = $"--edge\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nMia Multipart\r\n" +
                   $"--edge\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\n{email}\r\n--edge--\r\n";

        var result = await Post(key, "multipart/form-data; boundary=edge", body);

        result.Context.Response.StatusCode.ShouldBe(202, await result.ReadAsTextAsync());
        (await LeadWith(email)).ShouldNotBeNull();
    }

    [Fact]
    public async Task a_filled_honeypot_is_answered_like_success_and_stores_nothing()
    {
        var key = await NewForm();
        var email = AppFixture.NewEmail("bot");

        var result = await Post(key, "application/x-www-form-urlencoded", Encoded(("name", "Bot"), ("email", email), ("website", "http://spam.example")));

        result.Context.Response.StatusCode.ShouldBe(202);
        (await LeadWith(email)).ShouldBeNull();
    }

    [Fact]
    public async Task bad_fields_and_a_field_given_twice_are_400s()
    {
        var key = await NewForm();

        (await (await Post(key, "application/x-www-form-urlencoded", Encoded(("name", ""), ("email", "not-an-address"))))
            .ShouldBeProblem(400)).GetProperty("errors").TryGetProperty("email", out _).ShouldBeTrue();
        (await (await Post(key, "application/x-www-form-urlencoded", Encoded(("name", "A"), ("email", AppFixture.NewEmail()), ("name", "B"))))
            .ShouldBeProblem(400)).GetProperty("errors").GetProperty("name")[0].GetString()!.ShouldContain("twice");
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    [InlineData("text/html")]
    public async Task another_body_type_is_a_415_problem(string contentType)
    {
        var key = await NewForm();

        var problem = await (await Post(key, contentType, "name=x&email=y")).ShouldBeProblem(415);

        problem.GetProperty("detail").GetString()!.ShouldContain(contentType);
    }

    [Theory]
    [InlineData("PUT")]
    [InlineData("PATCH")]
    [InlineData("DELETE")]
    [InlineData("GET")]
    public async Task another_method_is_a_405_problem_naming_post(string method)
    {
        var key = await NewForm();

        var result = await Post(key, "application/json", "{}", method);

        (await result.ShouldBeProblem(405)).GetProperty("detail").GetString()!.ShouldContain("takes POST");
        result.Header("Allow").ShouldBe("POST");
    }

    [Fact]
    public async Task a_form_with_allowed_origins_takes_leads_only_from_them()
    {
        var key = await NewForm("https://www.example.com", "https://shop.example.com:8443/");
        var fromSite = AppFixture.NewEmail("site");
        var fromShop = AppFixture.NewEmail("shop");
        var fromElsewhere = AppFixture.NewEmail("elsewhere");
        var fromNowhere = AppFixture.NewEmail("nowhere");

        var site = await Post(key, "application/x-www-form-urlencoded", Encoded(("name", "Site"), ("email", fromSite)), headers: ("Origin", "https://WWW.example.com"));
        var shop = await Post(key, "application/x-www-form-urlencoded", Encoded(("name", "Shop"), ("email", fromShop)),
            headers: ("Referer", "https://shop.example.com:8443/contact?x=1"));
        var elsewhere = await Post(key, "application/x-www-form-urlencoded", Encoded(("name", "Else"), ("email", fromElsewhere)),
            headers: ("Origin", "https://evil.example"));
        var nowhere = await Post(key, "application/x-www-form-urlencoded", Encoded(("name", "None"), ("email", fromNowhere)));

        site.Context.Response.StatusCode.ShouldBe(202);
        shop.Context.Response.StatusCode.ShouldBe(202);
        (await elsewhere.ShouldBeProblem(403, "urn:eventcrm:problem:origin-not-allowed")).GetProperty("detail").GetString()!.ShouldContain("https://evil.example");
        await nowhere.ShouldBeProblem(403, "urn:eventcrm:problem:origin-not-allowed");
        (await LeadWith(fromSite)).ShouldNotBeNull();
        (await LeadWith(fromShop)).ShouldNotBeNull();
        (await LeadWith(fromElsewhere)).ShouldBeNull();
        (await LeadWith(fromNowhere)).ShouldBeNull();
    }

    [Fact]
    public async Task the_json_post_meets_the_same_origins()
    {
        var key = await NewForm("https://www.example.com");
        var email = AppFixture.NewEmail("json");

        var refused = await Post(key, "application/json", $"{{\"name\":\"Jo\",\"email\":\"{email}\"}}", headers: ("Origin", "https://evil.example"));

        await refused.ShouldBeProblem(403);
        (await LeadWith(email)).ShouldBeNull();
    }

    [Fact]
    public async Task an_admin_names_and_clears_the_allowed_sites()
    {
        var key = await NewForm();
        Task<IScenarioResult> Change(object body) => app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("root", Roles.Admin));
            s.Post.Json(body).ToUrl($"/api/admin/forms/{key}/origins");
            s.IgnoreStatusCode();
        });

        var changed = await Change(new { allowedOrigins = new[] { "HTTPS://Partner.Example:443", "http://localhost:3000" } });
        changed.Context.Response.StatusCode.ShouldBe(200, await changed.ReadAsTextAsync());
        (await changed.Body()).GetProperty("allowedOrigins").EnumerateArray().Select(o => o.GetString())
            .ShouldBe(["https://partner.example", "http://localhost:3000"]);

        (await (await Change(new { allowedOrigins = new[] { "https://www.example.com/contact", "ftp://files.example", "javascript:alert(1)" } }))
            .ShouldBeProblem(400)).GetProperty("errors").GetProperty("allowedOrigins").GetArrayLength().ShouldBe(3);

        (await Change(new { allowedOrigins = Array.Empty<string>() })).Context.Response.StatusCode.ShouldBe(200);
        (await Post(key, "application/x-www-form-urlencoded", Encoded(("name", "Any"), ("email", AppFixture.NewEmail())), headers: ("Origin", "https://anywhere.example")))
            .Context.Response.StatusCode.ShouldBe(202);
    }
}
