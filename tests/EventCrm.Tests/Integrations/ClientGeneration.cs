using NJsonSchema.CodeGeneration.CSharp;
using NSwag;
using NSwag.CodeGeneration.CSharp;

namespace EventCrm.Tests.Integrations;

/// <summary>How src/EventCrm.Client is generated from the OpenAPI document: one place, so that the check and the regeneration agree.</summary>
public static class ClientGeneration
{
    public static string ProjectDirectory([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "src", "EventCrm.Client"));

    public static string DocumentFile => Path.Combine(ProjectDirectory(), "openapi.json");

    public static string CodeFile => Path.Combine(ProjectDirectory(), "EventCrmClient.g.cs");

    public static async Task<string> Generate(string document)
    {
        var settings = new CSharpClientGeneratorSettings
        {
            ClassName = "EventCrmClient",
            GenerateClientInterfaces = true,
            UseBaseUrl = false,
            GenerateOptionalParameters = true,
            ExceptionClass = "EventCrmApiException",
        };
        settings.CSharpGeneratorSettings.Namespace = "EventCrm.Client";
        settings.CSharpGeneratorSettings.JsonLibrary = CSharpJsonLibrary.SystemTextJson;
        settings.CSharpGeneratorSettings.GenerateDataAnnotations = false;
        settings.CSharpGeneratorSettings.DateType = "System.DateOnly";
        var openApi = await OpenApiDocument.FromJsonAsync(document);
        // The document gives instants in query strings a format without a type (their converter has no schema of its
        // own); NSwag needs the type to write them as strings.
        foreach (var parameter in openApi.Operations.SelectMany(o => o.Operation.ActualParameters))
            if (parameter.Schema is { Type: NJsonSchema.JsonObjectType.None, Format: "date-time" } schema)
                schema.Type = NJsonSchema.JsonObjectType.String;
        var code = new CSharpClientGenerator(openApi, settings).GenerateFile();
        return code.ReplaceLineEndings("\n");
    }
}
