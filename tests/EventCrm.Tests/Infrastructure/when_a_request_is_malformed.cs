using Alba;
using EventCrm.Infrastructure.Security;

namespace EventCrm.Tests.Infrastructure;

[Collection(AppCollection.Name)]
public class when_a_request_is_malformed(AppFixture app)
{
    private Task<IScenarioResult> PostRaw(string body, string contentType = "application/json") => app.Host.Scenario(s =>
    {
        s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
        s.Post.Text(body).ContentType(contentType).ToUrl("/api/customers");
        s.IgnoreStatusCode();
    });

    [Theory]
    [InlineData("{\"name\":")]
    [InlineData("not json at all")]
    [InlineData("{\"name\": 42, \"email\": []}")]
    [InlineData("[1,2,3]")]
    public async Task broken_json_is_a_400_problem_not_a_500(string body)
    {
        var problem = await (await PostRaw(body)).ShouldBeProblem(400);
        problem.GetProperty("correlationId").GetString().ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public async Task a_body_that_is_not_json_is_a_415_problem()
    {
        await (await PostRaw("name=x", "application/x-www-form-urlencoded")).ShouldBeProblem(415);
    }

    [Fact]
    public async Task a_body_over_the_limit_is_a_413_before_anything_reads_it()
    {
        var huge = "{\"name\":\"" + new string('x', 1024 * 1024 + 10) + "\",\"email\":\"big@example.com\"}";
        var problem = await (await PostRaw(huge)).ShouldBeProblem(413, "urn:eventcrm:problem:payload-too-large");
        problem.GetProperty("detail").GetString().ShouldNotBeNull().ShouldContain("1048576");
    }

    [Fact]
    public async Task a_chunked_body_over_the_limit_is_also_a_413()
    {
        var huge = "{\"name\":\"" + new string('x', 1024 * 1024 + 10) + "\"}";
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Post.Text(huge).ContentType("application/json").ToUrl("/api/customers");
            s.ConfigureHttpContext(http => http.Request.ContentLength = null);
            s.IgnoreStatusCode();
        });
        await result.ShouldBeProblem(413);
    }

    [Fact]
    public async Task an_unknown_route_is_a_404_problem()
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Get.Url("/api/no-such-thing");
            s.IgnoreStatusCode();
        });
        await result.ShouldBeProblem(404);
    }

    [Fact]
    public async Task an_id_that_is_not_a_guid_is_a_404_problem()
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Get.Url("/api/customers/not-a-guid");
            s.IgnoreStatusCode();
        });
        await result.ShouldBeProblem(404);
    }
}
