using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace EventCrm.Infrastructure;

/// <summary>A group of operations in the OpenAPI document, as the module that owns them describes it; lower order first.</summary>
public sealed record ApiTag(string Name, string Description, int Order);

/// <summary>The OpenAPI document (<c>/openapi/v1.json</c>) and an interactive reference (<c>/docs</c>).</summary>
public static class CrmOpenApi
{
    public const string Document = "v1";

    /// <summary>Declares an operation group; the module that owns the operations describes them.</summary>
    public static IServiceCollection AddApiTag(this IServiceCollection services, string name, string description, int order) =>
        services.AddSingleton(new ApiTag(name, description, order));

    public static IServiceCollection AddCrmOpenApi(this IServiceCollection services)
    {
        services.AddApiTag("Session", "Who a token names and what it may do.", 50);
        services.AddApiTag("Admin", "Operators' tools: rebuilding read models, web forms.", 900);
        services.AddOpenApi(Document, options =>
        {
            options.AddDocumentTransformer((document, context, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "EventCrm API",
                    Version = "v1",
                    Description = "Event-sourced CRM. Every command appends events; reads come from projections. " +
                                  "Send the header `Authorization: Bearer` followed by a token; commands on an existing record carry its `version`.",
                    License = new OpenApiLicense { Name = "Proprietary", Identifier = "LicenseRef-EventCrm" },
                };
                // Relative: the document describes the server it is served from (one node or a load balancer).
                document.Servers = [new OpenApiServer { Url = "/", Description = "This EventCrm deployment" }];

                var tags = context.ApplicationServices.GetServices<ApiTag>().ToDictionary(t => t.Name);
                document.Tags = document.Tags?
                    .Select(t => tags.TryGetValue(t.Name!, out var known)
                        ? new OpenApiTag { Name = t.Name, Description = known.Description }
                        : t)
                    .OrderBy(t => tags.TryGetValue(t.Name!, out var known) ? known.Order : int.MaxValue)
                    .ThenBy(t => t.Name, StringComparer.Ordinal)
                    .ToHashSet();
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    BearerFormat = "JWT",
                    Description = "A JWT with one or more roles: admin, sales, support, marketing, analyst, auditor, integration.",
                };
                document.Security ??= [];
                document.Security.Add(new OpenApiSecurityRequirement
                {
                    [new OpenApiSecuritySchemeReference("bearer", document)] = [],
                });
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                operation.Security = SecurityOf(context.Description.ActionDescriptor.EndpointMetadata, context.Document!);
                if (context.Description.ActionDescriptor.EndpointMetadata.OfType<Http.Idempotency.AcceptsKey>().Any())
                {
                    operation.Parameters ??= [];
                    operation.Parameters.Add(new OpenApiParameter
                    {
                        Name = Http.Idempotency.Header,
                        In = ParameterLocation.Header,
                        Required = false,
                        Description = "Any unique string (1-255 visible ASCII characters): a retry with the same key and the same request gets the first answer again, marked Idempotent-Replayed: true, and does nothing twice.",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = Http.Idempotency.MaxKeyLength },
                    });
                }
                return Task.CompletedTask;
            });
        });
        return services;
    }

    /// <summary>
    /// Who may call an operation, in the OpenAPI 3.1 way for a bearer scheme: the role names in the requirement
    /// (from the endpoint's policy), none for any valid token, and no requirement at all for a public route.
    /// Clients read it, and the fuzzer picks its tokens by it.
    /// </summary>
    private static List<OpenApiSecurityRequirement> SecurityOf(IList<object> metadata, OpenApiDocument document)
    {
        if (metadata.OfType<IAllowAnonymous>().Any()) return [];
        // Every policy named must pass: the roles that pass them all.
        IEnumerable<string> roles = Roles.All;
        foreach (var policy in metadata.OfType<IAuthorizeData>().Select(a => a.Policy).OfType<string>())
            roles = roles.Intersect(Policies.RolesFor.TryGetValue(policy, out var allowed) ? allowed : []);
        return [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [.. roles] }];
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
