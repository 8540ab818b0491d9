using Alba;
using EventCrm.Infrastructure.Security;

namespace EventCrm.Tests.Infrastructure;

[Collection(AppCollection.Name)]
public class when_the_operator_tools_are_opened(AppFixture app)
{
    [Fact]
    public async Task the_openapi_document_describes_the_customer_endpoints_and_bearer_auth()
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("dev", Roles.Analyst));
            s.Get.Url("/openapi/v1.json");
        });

        var document = await result.Body();
        var paths = document.GetProperty("paths");
        paths.TryGetProperty("/api/customers", out _).ShouldBeTrue();
        paths.TryGetProperty("/api/customers/{customerId}/contact-details", out _).ShouldBeTrue();
        paths.TryGetProperty("/api/customers/{customerId}/history", out _).ShouldBeTrue();
        document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer")
            .GetProperty("scheme").GetString().ShouldBe("bearer");

        var register = paths.GetProperty("/api/customers").GetProperty("post");
        register.GetProperty("operationId").GetString().ShouldBe("RegisterCustomer");
        register.GetProperty("summary").GetString().ShouldBe("Register a customer");
        ResponseCodes(register).ShouldBe(["201", "400", "401", "403", "409", "413", "422"], ignoreOrder: true);

        var change = paths.GetProperty("/api/customers/{customerId}/contact-details").GetProperty("post");
        ResponseCodes(change).ShouldBe(["200", "400", "401", "403", "404", "409", "413", "422"], ignoreOrder: true);

        var read = paths.GetProperty("/api/customers/{customerId}").GetProperty("get");
        ResponseCodes(read).ShouldBe(["200", "401", "403", "404"], ignoreOrder: true);
    }

    private static string[] ResponseCodes(System.Text.Json.JsonElement operation) =>
        operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToArray();

    [Fact]
    public async Task the_jobs_dashboard_is_for_admins_only()
    {
        var anonymous = await app.Host.Scenario(s =>
        {
            s.Get.Url("/hangfire");
            s.IgnoreStatusCode();
        });
        anonymous.Context.Response.StatusCode.ShouldBe(401);

        var sales = await app.Host.Scenario(s =>
        {
            s.Get.Url($"/hangfire?access_token={app.TokenFor("sam", Roles.Sales)}");
            s.IgnoreStatusCode();
        });
        sales.Context.Response.StatusCode.ShouldBe(403);

        var admin = await app.Host.Scenario(s => s.Get.Url($"/hangfire?access_token={app.TokenFor("root", Roles.Admin)}"));
        (await admin.ReadAsTextAsync()).ShouldContain("EventCrm jobs");
        admin.Header("Set-Cookie").ShouldNotBeNull().ShouldContain(CrmSecurity.DashboardCookie);
    }

    [Fact]
    public async Task the_dashboard_accepts_the_token_from_its_cookie()
    {
        var token = app.TokenFor("root", Roles.Admin);
        var result = await app.Host.Scenario(s =>
        {
            s.WithRequestHeader("Cookie", $"{CrmSecurity.DashboardCookie}={token}");
            s.Get.Url("/hangfire");
        });
        (await result.ReadAsTextAsync()).ShouldContain("EventCrm jobs");
    }
}
