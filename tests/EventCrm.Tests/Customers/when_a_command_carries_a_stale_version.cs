using System.Text.Json.Nodes;

namespace EventCrm.Tests.Customers;

[Collection(AppCollection.Name)]
public class when_a_command_carries_a_stale_version(AppFixture app)
{
    /// <summary>Every command on a customer, with a body that would succeed at the right version.</summary>
    public static TheoryData<string, string> Commands => new()
    {
        { "contact-details", """{"email":"stale.@@@","phone":null}""" },
        { "demographics", """{"age":41,"country":"IT"}""" },
        { "tags", """{"add":["stale"]}""" },
        { "owner", """{"owner":"someone"}""" },
        { "purchases", """{"amount":5,"currency":"EUR","product":"P","category":"C"}""" },
        { "consents", """{"channel":"phone","purpose":"calls","granted":true}""" },
        { "deactivate", """{"reason":"stale"}""" },
        { "erasure", """{"reason":"stale"}""" },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task it_is_a_409_naming_the_current_version_and_appends_nothing(string action, string json)
    {
        var id = await app.Register(AppFixture.NewEmail());
        await app.Succeed(id, "tags", new { version = 1, add = new[] { "moved-on" } });
        var body = JsonNode.Parse(json.Replace("stale.@@@", AppFixture.NewEmail()))!.AsObject();
        body["version"] = 1;

        var problem = await (await app.Command(id, action, body)).ShouldBeProblem(409, "urn:eventcrm:problem:stale-version");

        problem.GetProperty("currentVersion").GetInt32().ShouldBe(2);
        (await app.History(id)).GetArrayLength().ShouldBe(2);

        body["version"] = 2;
        (await app.Command(id, action, body)).Context.Response.StatusCode.ShouldBe(200, "the same body at the current version succeeds");
    }
}
