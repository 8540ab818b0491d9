using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using EventCrm.Infrastructure;
using Marten;
using Microsoft.AspNetCore.Http.Features;

namespace EventCrm.Imports;

/// <summary>The imports context: its limits, its part of the store, and the services that read and apply files.</summary>
public static class ImportsModule
{
    public static IServiceCollection AddImports(this IServiceCollection services)
    {
        services.AddSettings<ImportRules>(ImportRules.Section);
        services.ConfigureMarten((StoreOptions store) => ImportStorage.Configure(store));
        services.AddApiTag("Imports", "Customer and purchase files: cleaned, matched, resumable, revertible.", 400);
        services.AddSingleton<ImportFiles>();
        services.AddSingleton<ImportConnections>();
        services.AddSingleton<ImportQueries>();
        services.AddSingleton<CustomerImport>();
        services.AddSingleton<PurchaseImport>();
        services.AddSingleton<ImportRunner>();
        services.AddSingleton<ImportReverter>();
        services.AddSingleton<ImportStarter>();
        services.Configure<FormOptions>(form => form.MultipartBodyLengthLimit = ImportRules.MaxFileBytes);
        // The import endpoints read their body themselves (a file part, or a JSON array streamed): describe both
        // forms so the docs UI can upload.
        services.Configure<OpenApiOptions>(CrmOpenApi.Document, options => options.AddOperationTransformer((operation, _, _) =>
        {
            if (operation.OperationId is "ImportCustomers" or "ImportPurchases") operation.RequestBody = ImportBody();
            return Task.CompletedTask;
        }));
        return services;
    }

    private static OpenApiRequestBody ImportBody() => new()
    {
        Required = true,
        Description = "A CSV or JSON file in the form field 'file', or a JSON array of objects (one per row) as the body.",
        Content = new Dictionary<string, OpenApiMediaType>
        {
            ["multipart/form-data"] = new()
            {
                Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Required = new HashSet<string> { "file" },
                    Properties = new Dictionary<string, IOpenApiSchema>
                    {
                        ["file"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary", Description = "The file: CSV (, ; or tab) or JSON." },
                    },
                },
            },
            ["application/json"] = new()
            {
                Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.Array,
                    Items = new OpenApiSchema { Type = JsonSchemaType.Object, Description = "One row: the same columns a CSV file has." },
                },
            },
        },
    };
}
