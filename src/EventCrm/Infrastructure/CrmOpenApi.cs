using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace EventCrm.Infrastructure;

/// <summary>The OpenAPI document (<c>/openapi/v1.json</c>) and an interactive reference (<c>/docs</c>).</summary>
public static class CrmOpenApi
{
    public static IServiceCollection AddCrmOpenApi(this IServiceCollection services)
    {
        services.AddOpenApi("v1", options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "EventCrm API",
                    Version = "v1",
                    Description = "Event-sourced CRM. Every command appends events; reads come from projections. " +
                                  "Send 'Authorization: Bearer <token>'; commands on an existing record carry its 'version'.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    BearerFormat = "JWT",
                    Description = "A JWT with one or more roles: admin, sales, support, marketing, analyst, auditor.",
                };
                document.Security ??= [];
                document.Security.Add(new OpenApiSecurityRequirement
                {
                    [new OpenApiSecuritySchemeReference("bearer", document)] = [],
                });
                return Task.CompletedTask;
            });
        });
        return services;
    }

    public static void MapCrmOpenApi(this WebApplication app, IConfiguration configuration)
    {
        var document = app.MapOpenApi("/openapi/{documentName}.json");
        var reference = app.MapScalarApiReference("/docs", options => options
            .WithTitle("EventCrm API")
            .WithOpenApiRoutePattern("/openapi/{documentName}.json"));

        // The description of the API is public only where configured (development); otherwise it needs a token.
        if (configuration.GetValue("Api:PublicDocs", false))
        {
            document.AllowAnonymous();
            reference.AllowAnonymous();
        }
    }
}
