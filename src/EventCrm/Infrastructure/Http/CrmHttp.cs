using System.Text.Json;
using System.Text.Json.Serialization;
using Wolverine.Http;
using Wolverine.Http.Marten;

namespace EventCrm.Infrastructure.Http;

/// <summary>HTTP conventions shared by every slice: JSON shape, ProblemDetails, command metadata.</summary>
public static class CrmHttp
{
    public static IServiceCollection AddCrmHttp(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddWolverineHttp();
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Instance ??= context.HttpContext.Request.Path;
            context.ProblemDetails.Extensions["correlationId"] = CorrelationId.Of(context.HttpContext);
            context.ProblemDetails.Extensions.Remove("traceId");
        });
        services.AddExceptionHandler<CrmExceptionHandler>();
        services.ConfigureHttpJsonOptions(options => Configure(options.SerializerOptions));
        return services;
    }

    public static void Configure(JsonSerializerOptions json)
    {
        json.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        json.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        json.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
    }

    public static void ConfigureEndpoints(WolverineHttpOptions options)
    {
        // '?version=abc' is the client's mistake: a 400 naming the parameter, never a silent default.
        options.RejectUnparseableQueryValues = true;

        // A stale expected version, caught at load or at commit, is a 409 in the house shape (and in OpenAPI).
        options.MapMartenConcurrencyFailuresToConflict(toProblemDetails: CrmExceptionHandler.Describe);

        // Every command (any verb but GET) stamps its events with who, why and where from.
        options.AddMiddleware(typeof(CommandMetadata),
            chain => chain.HttpMethods.Any(method => !HttpMethods.IsGet(method)));
    }
}
