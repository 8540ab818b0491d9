using System.Text.Json;
using Alba;
using EventCrm.Infrastructure.Security;
using EventCrm.Tests.Customers;
using EventCrm.Tests.Sales;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventCrm.Tests.Infrastructure;

/// <summary>
/// Each class of hostile input is refused the same way on every route that could meet it: a 4xx ProblemDetails
/// written for people (no .NET type names), and nothing stored.
/// </summary>
[Collection(AppCollection.Name)]
public class when_input_is_hostile(AppFixture app)
{
    private static readonly string[] InternalNames = ["EventCrm.", "System.", "Npgsql", "Marten", "Wolverine", "JasperFx", "`1", " at "];

    private async Task<JsonElement> Refused(IScenarioResult result, int status)
    {
        var problem = await result.ShouldBeProblem(status);
        var text = problem.GetRawText();
        foreach (var name in InternalNames) text.ShouldNotContain(name, Case.Sensitive, $"the answer names internals: {text}");
        return problem;
    }

    private async Task<long> LastEvent()
    {
        await using var command = app.Host.Services.GetRequiredService<NpgsqlDataSource>()
            .CreateCommand($"select coalesce(max(seq_id), 0) from {app.Names.Events}");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private Task<IScenarioResult> Post(string url, string body, string? contentType = "application/json", string role = Roles.Admin) =>
        app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("hostile", role));
            var send = s.Post.Text(body);
            if (contentType is not null) send.ContentType(contentType);
            else s.ConfigureHttpContext(http => http.Request.ContentType = null);
            send.ToUrl(url);
            s.IgnoreStatusCode();
        });

    private Task<IScenarioResult> Get(string url, string role = Roles.Admin) => app.Host.Scenario(s =>
    {
        s.WithBearerToken(app.TokenFor("hostile", role));
        s.Get.Url(url);
        s.IgnoreStatusCode();
    });

    public static TheoryData<string> CommandRoutes => new()
    {
        "/api/customers",
        "/api/customers/{customer}/contact-details",
        "/api/customers/{customer}/purchases",
        "/api/customers/{customer}/merge",
        "/api/leads",
        "/api/opportunities",
        "/api/tickets",
        "/api/models/churn/train",
        "/api/admin/projections/rebuild",
    };

    private async Task<string> Route(string template) =>
        template.Replace("{customer}", (await app.Register(AppFixture.NewEmail("hostile"))).ToString());

    [Theory]
    [MemberData(nameof(CommandRoutes))]
    public async Task a_body_of_null_or_not_an_object_is_a_400_and_appends_nothing(string template)
    {
        var url = await Route(template);
        var before = await LastEvent();
        foreach (var body in new[] { "null", " null ", "[]", "[{}]", "42", "\"text\"", "true" })
        {
            var problem = await Refused(await Post(url, body), 400);
            problem.GetProperty("detail").GetString()!.ShouldContain("JSON object");
        }
        (await LastEvent()).ShouldBe(before);
    }

    [Theory]
    [MemberData(nameof(CommandRoutes))]
    public async Task a_body_without_a_json_content_type_is_a_415(string template)
    {
        var url = await Route(template);
        await Refused(await Post(url, "{}", contentType: null), 415);
        await Refused(await Post(url, "{}", contentType: "text/plain"), 415);
    }

    [Theory]
    [InlineData("{\"name\":\"Ada\",\"name\":\"Eve\",\"email\":\"a@example.com\"}", "name", "twice")]
    [InlineData("{\"name\":\"Ada\\u0000\",\"email\":\"a@example.com\"}", "name", "NUL")]
    [InlineData("{\"name\":\"\\ud800\",\"email\":\"a@example.com\"}", "name", "surrogate")]
    [InlineData("{\"name\":\"Ada\",\"email\":\"a@example.com\",\"age\":\"old\"}", "age", "whole number")]
    [InlineData("{\"name\":\"Ada\",\"email\":\"a@example.com\",\"age\":1e400}", "age", "whole number")]
    [InlineData("{\"name\":\"Ada\",\"email\":\"a@example.com\",\"birthDate\":\"yesterday\"}", "birthDate", "yyyy-MM-dd")]
    [InlineData("{\"name\":\"Ada\",\"email\":\"a@example.com\",\"birthDate\":\"0001-05-01\"}", "birthDate", "between 1800-01-01")]
    [InlineData("{\"name\":\"Ada\",\"email\":\"a@example.com\",\"tags\":\"vip\"}", "tags", "a list")]
    public async Task a_wrong_member_is_named_with_what_it_must_be(string body, string field, string says)
    {
        var before = await LastEvent();
        var problem = await Refused(await Post("/api/customers", body), 400);
        var errors = problem.GetProperty("errors");
        errors.TryGetProperty(field, out var messages).ShouldBeTrue(problem.GetRawText());
        messages.EnumerateArray().Select(m => m.GetString()).ShouldContain(m => m!.Contains(says));
        (await LastEvent()).ShouldBe(before);
    }

    [Theory]
    [InlineData("/api/customers", "{\"name\":\"Ada\",\"email\":\"ada@example.com\",\"tags\":[\"vip\",null]}", "tags[1]")]
    [InlineData("/api/marketing/campaigns/{any}/touches", "{\"touches\":[null,null]}", "touches[0]")]
    [InlineData("/api/marketing/campaigns/{any}/touches", "{\"touches\":[{\"email\":\"a@example.com\",\"kind\":\"click\",\"at\":\"2026-01-01T00:00:00Z\"},null]}", "touches[1]")]
    [InlineData("/api/models/churn/train", "{\"features\":[null]}", "features[0]")]
    [InlineData("/api/admin/forms", "{\"name\":\"Spring\",\"allowedOrigins\":[\"https://example.com\",null]}", "allowedOrigins[1]")]
    public async Task a_null_item_in_a_list_is_a_400_naming_the_item(string template, string body, string field)
    {
        var before = await LastEvent();
        var problem = await Refused(await Post(template.Replace("{any}", Guid.NewGuid().ToString()), body), 400);
        problem.GetProperty("errors").TryGetProperty(field, out var messages).ShouldBeTrue(problem.GetRawText());
        messages.EnumerateArray().Single().GetString()!.ShouldContain("is null");
        (await LastEvent()).ShouldBe(before);
    }

    [Fact]
    public async Task a_body_nested_thousands_deep_or_broken_is_a_400()
    {
        var deep = "{\"name\":" + new string('[', 5000) + new string(']', 5000) + "}";
        (await Refused(await Post("/api/customers", deep), 400)).GetProperty("detail").GetString()!.ShouldContain("64 levels");
        await Refused(await Post("/api/customers", "{\"name\": NaN}"), 400);
        await Refused(await Post("/api/customers", "{\"name\": \"a\"} trailing"), 400);
        var invalidUtf8 = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("hostile", Roles.Admin));
            s.Post.ByteArray([.. "{\"name\":\""u8.ToArray(), 0xC3, 0x28, .. "\"}"u8.ToArray()]).ContentType("application/json").ToUrl("/api/customers");
            s.IgnoreStatusCode();
        });
        await Refused(invalidUtf8, 400);
    }

    [Theory]
    [InlineData("00000000-0000-0000-0000-000000000000")]
    [InlineData("{00000000-0000-0000-0000-000000000000}")]
    [InlineData("(00000000-0000-0000-0000-000000000000)")]
    public async Task the_empty_id_names_no_record_on_any_route(string id)
    {
        await Refused(await Get($"/api/customers/{id}"), 404);
        await Refused(await Get($"/api/customers/{id}/history", Roles.Auditor), 404);
        await Refused(await Get($"/api/opportunities/{id}"), 404);
        await Refused(await Get($"/api/tickets/{id}"), 404);
        await Refused(await Post($"/api/customers/{id}/contact-details", "{\"version\":1,\"email\":\"x@example.com\"}"), 404);
        // Routes whose id only the aggregate Wolverine loads binds (no method takes it as a parameter).
        await Refused(await Post($"/api/customers/{id}/reactivate", "{\"version\":1}"), 404);
        await Refused(await Post($"/api/tickets/{id}/resume", "{\"version\":1}"), 404);
        await Refused(await Post($"/api/opportunities/{id}/win", "{\"version\":1}"), 404);
    }

    [Fact]
    public async Task the_empty_id_in_a_body_is_a_400_naming_the_member()
    {
        var survivor = await app.Register(AppFixture.NewEmail("survivor"));
        var before = await LastEvent();
        var problem = await Refused(await Post($"/api/customers/{survivor}/merge",
            "{\"version\":1,\"duplicateId\":\"00000000-0000-0000-0000-000000000000\"}"), 400);
        problem.GetProperty("errors").TryGetProperty("duplicateId", out _).ShouldBeTrue();
        (await LastEvent()).ShouldBe(before);
    }

    [Theory]
    [InlineData("/api/customers/{customer}/as-of?at={now}")]
    [InlineData("/api/reports/pipeline?asOf={now}")]
    [InlineData("/api/audit/events?from={then}&to={now}&type=customer_registered")]
    public async Task an_instant_with_an_offset_in_a_query_is_that_instant_in_utc(string template)
    {
        var customer = await app.Register(AppFixture.NewEmail("offset"));
        var now = DateTimeOffset.UtcNow.AddSeconds(1);

        foreach (var offset in new[] { TimeSpan.FromHours(2), TimeSpan.FromHours(-5.5), TimeSpan.FromHours(14) })
        {
            string Instant(DateTimeOffset t) => Uri.EscapeDataString(t.ToOffset(offset).ToString("yyyy-MM-ddTHH:mm:ss.fffzzz"));
            var url = template.Replace("{customer}", customer.ToString()).Replace("{now}", Instant(now)).Replace("{then}", Instant(now.AddHours(-1)));

            var result = await Get(url, Roles.Admin);

            result.Context.Response.StatusCode.ShouldBe(200, $"{url}: {await result.ReadAsTextAsync()}");
            if (url.Contains("as-of")) (await result.Body()).GetProperty("id").GetGuid().ShouldBe(customer);
            if (url.Contains("audit")) (await result.Body()).GetProperty("items").GetArrayLength().ShouldBeGreaterThan(0, url);
        }
    }

    [Fact]
    public async Task an_error_quoting_a_huge_value_quotes_only_its_beginning()
    {
        var huge = new string('x', 500_000);

        var unknownProjection = await Refused(await Post("/api/admin/projections/rebuild", $"{{\"projection\":\"{huge}\"}}"), 400);
        var unknownField = await Refused(await Get($"/api/analytics/customers/histogram?field={huge}", Roles.Analyst), 400);

        foreach (var problem in new[] { unknownProjection, unknownField })
        {
            problem.GetRawText().Length.ShouldBeLessThan(5_000);
            problem.GetProperty("errors").EnumerateObject().Single().Value[0].GetString()!.ShouldContain("xxx");
        }
    }

    [Fact]
    public async Task an_instant_with_an_offset_in_a_body_is_stored_as_that_instant_in_utc()
    {
        var customer = await app.Register(AppFixture.NewEmail("offset"));

        var created = await Post($"/api/customers/{customer}/activities",
            "{\"kind\":\"task\",\"subject\":\"Call back\",\"dueAt\":\"2030-01-01T09:00:00+02:00\"}", role: Roles.Admin);

        created.Context.Response.StatusCode.ShouldBe(201, await created.ReadAsTextAsync());
        var id = (await created.Body()).GetProperty("id").GetGuid();
        var view = await app.Get($"/api/activities/{id}");
        view.GetProperty("dueAt").GetDateTimeOffset().ShouldBe(new DateTimeOffset(2030, 1, 1, 7, 0, 0, TimeSpan.Zero));
        view.GetProperty("dueAt").GetDateTimeOffset().Offset.ShouldBe(TimeSpan.Zero);
    }

    [Theory]
    [InlineData("/api/customers?page=2147483647")]
    [InlineData("/api/customers?page=20000000&pageSize=200")]
    [InlineData("/api/leads?page=2147483647")]
    [InlineData("/api/opportunities?page=99999999&pageSize=200")]
    [InlineData("/api/tickets?page=2147483647")]
    [InlineData("/api/audit/events?page=2147483647")]
    [InlineData("/api/imports?page=2147483647")]
    [InlineData("/api/customers?page=99999999999")]
    public async Task a_page_past_the_paging_bound_is_a_400_not_a_negative_offset(string url)
    {
        var problem = await Refused(await Get(url), 400);
        problem.GetProperty("errors").TryGetProperty("page", out _).ShouldBeTrue(problem.GetRawText());
    }

    [Theory]
    [InlineData("/api/reports/forecast?from=2026-01-01&to=9999-12-31", "to")]
    [InlineData("/api/reports/forecast?from=0001-05-01&to=2026-01-01", "from")]
    [InlineData("/api/reports/service?from=2026-01-01&to=9999-12-31", "to")]
    [InlineData("/api/analytics/revenue/monthly?from=0001-01-01&to=2026-01-01", "from")]
    [InlineData("/api/analytics/tickets/monthly?from=2026-01-01&to=9999-12-31", "to")]
    [InlineData("/api/reports/pipeline?asOf=9999-12-31T23:59:59Z", "asOf")]
    [InlineData("/api/audit/events?to=0001-01-01T00:00:00Z", "to")]
    public async Task a_date_at_the_ends_of_the_calendar_is_a_400(string url, string field)
    {
        var problem = await Refused(await Get(url, Roles.Admin), 400);
        var messages = problem.GetProperty("errors").GetProperty(field).EnumerateArray().Select(m => m.GetString()!).ToList();
        messages.ShouldContain(m => m.Contains("between 1800-01-01 and 2999-12-31"));
    }

    [Theory]
    [InlineData("/api/customers?owner=%00", "owner")]
    [InlineData("/api/customers?tag=a%00b", "tag")]
    [InlineData("/api/customers?q=%01x", "q")]
    [InlineData("/api/leads?source=%00", "source")]
    [InlineData("/api/audit/events?user=%00", "user")]
    public async Task a_control_character_in_a_filter_is_a_400(string url, string field)
    {
        var problem = await Refused(await Get(url), 400);
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue();
    }

    [Theory]
    [InlineData("/api/analytics/customers/histogram?field=age,age", "field")]
    [InlineData("/api/analytics/customers/histogram?field=age,income", "field")]
    [InlineData("/api/analytics/customers/describe?fields=age,age", "fields")]
    [InlineData("/api/analytics/customers/regression?target=totalSpent,age&features=income", "target")]
    [InlineData("/api/analytics/customers/histogram?field=age&field=income", "field")]
    public async Task a_list_where_one_field_is_expected_or_a_field_named_twice_is_a_400(string url, string field)
    {
        var problem = await Refused(await Get(url, Roles.Analyst), 400);
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(problem.GetRawText());
    }

    [Theory]
    [InlineData("{\"customerId\":\"{customer}\",\"kind\":999,\"subject\":\"s\",\"description\":\"d\"}", "kind")]
    [InlineData("{\"customerId\":\"{customer}\",\"kind\":1,\"subject\":\"s\",\"description\":\"d\"}", "kind")]
    [InlineData("{\"customerId\":\"{customer}\",\"kind\":\"complaint\",\"priority\":7,\"subject\":\"s\",\"description\":\"d\"}", "priority")]
    public async Task an_enum_sent_as_a_number_is_a_400_listing_the_names(string body, string field)
    {
        var customer = await app.Register(AppFixture.NewEmail("enum"));
        var before = await LastEvent();
        var problem = await Refused(await Post("/api/tickets", body.Replace("{customer}", customer.ToString()), role: Roles.Support), 400);
        problem.GetProperty("errors").GetProperty(field)[0].GetString()!.ShouldContain("one of");
        (await LastEvent()).ShouldBe(before);

        var query = await Refused(await Get("/api/customers?status=999"), 400);
        query.GetProperty("errors").GetProperty("status")[0].GetString()!.ShouldContain("active, inactive, merged, erased");
    }

    [Theory]
    [InlineData("/api/customers?page=abc", "page", "whole number")]
    [InlineData("/api/customers?minTotal=lots", "minTotal", "number")]
    [InlineData("/api/reports/pipeline?asOf=tomorrow", "asOf", "ISO 8601")]
    [InlineData("/api/audit/events?from=x", "from", "ISO 8601")]
    public async Task an_unparseable_query_value_is_named_without_dotnet_types(string url, string field, string says)
    {
        var problem = await Refused(await Get(url), 400);
        problem.GetProperty("errors").GetProperty(field)[0].GetString()!.ShouldContain(says);
    }

    [Theory]
    [InlineData("--name")]
    [InlineData("---totalSpent")]
    [InlineData("-")]
    [InlineData("-nope")]
    public async Task a_sort_with_more_than_one_minus_is_a_400(string sort)
    {
        var problem = await Refused(await Get($"/api/customers?sort={Uri.EscapeDataString(sort)}"), 400);
        problem.GetProperty("errors").TryGetProperty("sort", out _).ShouldBeTrue();
        (await Get("/api/customers?sort=-name")).Context.Response.StatusCode.ShouldBe(200);
    }

    [Theory]
    [InlineData("Ada\u202ELovelace")]
    [InlineData("Ada\u200BLovelace")]
    [InlineData("Ada\u2066Lovelace")]
    [InlineData("Ada\uFEFF")]
    public async Task a_name_with_text_direction_or_invisible_characters_is_a_400(string name)
    {
        var body = JsonSerializer.Serialize(new { name, email = AppFixture.NewEmail("bidi") });
        var problem = await Refused(await Post("/api/customers", body), 400);
        problem.GetProperty("errors").TryGetProperty("name", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task a_name_with_joiners_that_scripts_need_is_taken()
    {
        // The zero-width non-joiner belongs in Persian names (and the joiner in emoji and Indic scripts).
        var body = JsonSerializer.Serialize(new { name = "می\u200Cخواهم", email = AppFixture.NewEmail("zwnj") });
        (await Post("/api/customers", body)).Context.Response.StatusCode.ShouldBe(201);
    }

    [Fact]
    public async Task health_names_no_exception_types()
    {
        var result = await app.Host.Scenario(s =>
        {
            s.Get.Url("/health/ready");
            s.IgnoreStatusCode();
        });
        var text = await result.ReadAsTextAsync();
        foreach (var name in InternalNames) text.ShouldNotContain(name);
    }
}
