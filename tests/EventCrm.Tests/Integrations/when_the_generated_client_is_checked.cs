using EventCrm.Infrastructure.Security;

namespace EventCrm.Tests.Integrations;

/// <summary>
/// src/EventCrm.Client is generated from the OpenAPI document the application serves: when the document changes, this
/// fails until the client is regenerated (./build/crm client, which runs this with CRM_UPDATE_DOCS=1).
/// </summary>
[Collection(AppCollection.Name)]
public class when_the_generated_client_is_checked(AppFixture app)
{
    [Fact]
    public async Task it_was_generated_from_the_document_the_application_serves()
    {
        var served = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("client", Roles.Integration));
            s.Get.Url("/openapi/v1.json");
            s.StatusCodeShouldBe(200);
        });
        var document = (await served.ReadAsTextAsync()).ReplaceLineEndings("\n");
        var code = await ClientGeneration.Generate(document);

        if (Environment.GetEnvironmentVariable("CRM_UPDATE_DOCS") == "1")
        {
            await File.WriteAllTextAsync(ClientGeneration.DocumentFile, document);
            await File.WriteAllTextAsync(ClientGeneration.CodeFile, code);
        }

        var committed = File.Exists(ClientGeneration.DocumentFile) ? (await File.ReadAllTextAsync(ClientGeneration.DocumentFile)).ReplaceLineEndings("\n") : "";
        (committed == document).ShouldBeTrue(
            "The OpenAPI document changed since src/EventCrm.Client was generated: run ./build/crm client and commit the result.");
        (await File.ReadAllTextAsync(ClientGeneration.CodeFile)).ReplaceLineEndings("\n").ShouldBe(code,
            "src/EventCrm.Client/EventCrmClient.g.cs is not what the generator makes of openapi.json: run ./build/crm client.");
    }
}
