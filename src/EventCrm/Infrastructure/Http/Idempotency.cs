using System.Reflection;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace EventCrm.Infrastructure.Http;

/// <summary>
/// A command sent with an <c>Idempotency-Key</c> takes effect once per user and key, through Wolverine's
/// <c>[DeduplicatedWithResponse]</c> with the claim written inside the command's own transaction: the claim
/// and the stored answer commit together with the command's events, or vanish with them. So a crash or a
/// database outage never leaves a key stuck: a retry either gets the stored answer (marked
/// <c>Idempotent-Replayed: true</c>) or runs the command, which then happens for the first time.
/// The same key with a different request (route, query or body) is a 422. A repeat sent while the first is still
/// running runs too; whichever commits second is rolled back and answered with the first one's response.
/// Failures (4xx, 5xx) are not stored: a retry runs again.
/// </summary>
public static class Idempotency
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public const int MaxKeyLength = 255;

    public const string InProgressType = "urn:eventcrm:problem:request-in-progress";

    public static string? KeyOf(HttpContext http) =>
        http.Request.Headers.TryGetValue(Header, out var value) && value.Count == 1 ? value[0] : null;

    /// <summary>
    /// The marker Wolverine puts in <see cref="HttpContext.Items"/> when it answers a request from an earlier
    /// one's claim. Wolverine keeps it private; without it replays are served all the same, only unmarked (a
    /// test guards that it is found).
    /// </summary>
    public static readonly object? RepeatAnswered = typeof(HttpHandler)
        .GetField("_deduplicatedRepeatAnswered", BindingFlags.NonPublic | BindingFlags.Static)?.GetValue(null);

    public static bool IsRepeat(HttpContext http) => RepeatAnswered is not null && http.Items.ContainsKey(RepeatAnswered);

    /// <summary>Every authenticated POST that answers with something a repeat can be given again.</summary>
    public static void Apply(HttpChain chain)
    {
        if (!chain.HttpMethods.Contains(HttpMethods.Post) || !chain.HasResourceType()) return;
        var method = chain.Method.Method;
        if (method.IsDefined(typeof(AllowAnonymousAttribute), true) ||
            method.DeclaringType?.IsDefined(typeof(AllowAnonymousAttribute), true) == true) return;
        if (typeof(IResult).IsAssignableFrom(chain.ResourceType) && !Replayable(chain.ResourceType!)) return;

        // The OpenAPI document declares the header on these operations, so that generated clients can send it.
        chain.Metadata.WithMetadata(AcceptsKey.Instance);
        chain.DeduplicatedWithResponse = new DeduplicatedWithResponseRequirement
        {
            // Keys are per user; the route and body are compared by Wolverine's fingerprint of the request.
            Scope = DeduplicationScope.User,
            Required = false,
            ClaimInTransaction = true,
        };
    }

    private static readonly HashSet<Type> ReplayableResults =
        [typeof(Ok), typeof(Ok<>), typeof(Created), typeof(Created<>), typeof(Accepted), typeof(Accepted<>), typeof(NoContent)];

    /// <summary>Endpoint metadata: the operation takes an <c>Idempotency-Key</c>.</summary>
    public sealed class AcceptsKey
    {
        public static readonly AcceptsKey Instance = new();
    }

    private static bool Replayable(Type type) =>
        type == typeof(IResult)
        || ReplayableResults.Contains(type.IsGenericType ? type.GetGenericTypeDefinition() : type)
        || (type.IsGenericType && type.GetGenericTypeDefinition().Name.StartsWith("Results`", StringComparison.Ordinal)
            && type.GetGenericArguments().Any(Replayable));

    /// <summary>
    /// Refuses malformed keys (400) before anything runs, and marks replayed answers. Runs after authorization, so
    /// the user a key belongs to is known.
    /// </summary>
    public static IApplicationBuilder UseIdempotencyKeys(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) ||
            !http.Request.Headers.ContainsKey(Header))
        {
            await next(http);
            return;
        }

        var key = KeyOf(http);
        if (key is null || key.Length is 0 or > MaxKeyLength || key.Any(c => c is < '!' or > '~'))
        {
            var problem = Problems.Validation(new Dictionary<string, string[]>
            {
                [Header] = [$"Send one key of 1 to {MaxKeyLength} visible ASCII characters."],
            });
            http.Response.StatusCode = problem.Status!.Value;
            await http.RequestServices.GetRequiredService<IProblemDetailsService>()
                .WriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem });
            return;
        }

        http.Response.OnStarting(() =>
        {
            if (IsRepeat(http) && http.Response.StatusCode < 400) http.Response.Headers[ReplayedHeader] = "true";
            return Task.CompletedTask;
        });
        await next(http);
    });

    /// <summary>Wolverine's own answers about keys, in the house's problem shape.</summary>
    public static void Describe(ProblemDetailsContext context)
    {
        if (!IsRepeat(context.HttpContext)) return;
        var problem = context.ProblemDetails;
        switch (problem.Status)
        {
            case StatusCodes.Status422UnprocessableEntity:
                problem.Type = Problems.RuleViolationType;
                problem.Title = "The Idempotency-Key was already used for a different request.";
                problem.Detail = "Use a new key for a new request; reuse a key only to retry exactly the same request.";
                break;
            case StatusCodes.Status409Conflict:
                problem.Type = InProgressType;
                problem.Title = "A request with this Idempotency-Key has no stored answer yet.";
                problem.Detail = "Retry later with the same key.";
                context.HttpContext.Response.Headers.RetryAfter = "1";
                break;
        }
    }
}
