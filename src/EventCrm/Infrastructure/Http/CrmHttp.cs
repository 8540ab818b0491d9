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
            Problems.Bound(context.ProblemDetails);
            context.ProblemDetails.Extensions["correlationId"] = CorrelationId.Of(context.HttpContext);
            context.ProblemDetails.Extensions.Remove("traceId");
            Idempotency.Describe(context);
        });
        services.AddSingleton<IProblemDetailsWriter, ProblemsWhateverAccepted>();
        services.AddExceptionHandler<CrmExceptionHandler>();
        services.ConfigureHttpJsonOptions(options => Configure(options.SerializerOptions));
        return services;
    }

    private static bool IsCommand(HttpChain chain) => chain.HttpMethods.Any(method => !HttpMethods.IsGet(method));

    public static void Configure(JsonSerializerOptions json)
    {
        json.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        json.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        // By name only: a number would bind to any value of the enum's type, defined or not.
        json.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        json.Converters.Add(new UtcInstants.Converter());
    }

    public static void ConfigureEndpoints(WolverineHttpOptions options)
    {
        // '?version=abc' is the client's mistake: a 400 naming the parameter, never a silent default.
        options.RejectUnparseableQueryValues = true;

        // Compile every endpoint at startup rather than on its first request.
        options.WarmUpRoutes = RouteWarmup.Eager;

        // A stream that moves between load and commit is a 409 in the house shape (and in OpenAPI).
        options.MapMartenConcurrencyFailuresToConflict(IsCommand, CrmExceptionHandler.Describe);

        // A POST with an Idempotency-Key takes effect once; its claim commits with the command's transaction.
        options.DefaultClaimInTransaction = true;
        options.ConfigureEndpoints(Idempotency.Apply);

        // Every command stamps its events with who, why and where from.
        options.AddMiddleware(typeof(CommandMetadata), IsCommand);

        // What every endpoint takes from the request, for the input guard (see InputGuard).
        options.ConfigureEndpoints(chain => chain.Metadata.WithMetadata(EndpointInputs.Of(chain)));

        // What every endpoint can answer besides its own responses, for the OpenAPI document.
        options.ConfigureEndpoints(chain =>
        {
            chain.Metadata.ProducesProblem(StatusCodes.Status401Unauthorized)
                .ProducesProblem(StatusCodes.Status403Forbidden);
            // A route that names a record answers 404 when there is none.
            if (chain.RoutePattern?.Parameters.Count > 0) chain.Metadata.ProducesProblem(StatusCodes.Status404NotFound);
            if (IsCommand(chain))
                chain.Metadata.ProducesProblem(StatusCodes.Status413PayloadTooLarge)
                    .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        });
    }
}
