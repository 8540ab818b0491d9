using JasperFx;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace EventCrm.Infrastructure.Http;

/// <summary>
/// Turns the exceptions that mean "the client's request cannot be honoured" into ProblemDetails, and anything
/// else into a 500 that says nothing about the server's internals. Nothing here retries: a failed command has
/// appended nothing, because Marten commits a request's events in one transaction. When PostgreSQL cannot be
/// reached the answer is a 503 with <c>Retry-After</c>: the client may send the same request again (with the same
/// <c>Idempotency-Key</c>, should the failure have struck during the commit).
/// </summary>
public sealed class CrmExceptionHandler(IProblemDetailsService problems, ILogger<CrmExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellation)
    {
        if (exception is OperationCanceledException && http.RequestAborted.IsCancellationRequested)
            return true; // the client went away; there is nobody to answer

        var problem = Describe(exception);
        if (problem.Type == Problems.StoreUnavailableType)
        {
            // Expected while the database restarts or fails over: one line per request, no stack trace.
            logger.LogWarning("{Method} {Path} answered 503: the database is unavailable ({Reason})",
                http.Request.Method, http.Request.Path, exception.GetBaseException().Message);
            http.Response.Headers.RetryAfter = Problems.StoreUnavailableRetrySeconds.ToString();
        }
        else if (problem.Status >= 500)
            logger.LogError(exception, "Unhandled error on {Method} {Path}", http.Request.Method, http.Request.Path);
        else
            logger.LogInformation("Request refused with {Status}: {Reason}", problem.Status, exception.Message);

        http.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    public static ProblemDetails Describe(Exception exception)
    {
        if (Find<ConcurrencyException>(exception) is not null)
            return new ProblemDetails
            {
                Type = Problems.StaleVersionType,
                Title = "The record has changed since you read it.",
                Status = StatusCodes.Status409Conflict,
                Detail = "The expected version does not match the current version. Read the record again and retry with its current version.",
            };

        // A claim written in the commit (an e-mail address, ...) refuses with the problem for people (422); any other
        // unique index catching a concurrent duplicate is the rare race, answered as a conflict to retry.
        if (Find<PostgresException>(exception) is { SqlState: PostgresErrorCodes.UniqueViolation } unique)
            return Problems.RefusedInCommit(unique) ?? new ProblemDetails
            {
                Type = "urn:eventcrm:problem:conflict",
                Title = "The request conflicts with a record written at the same time.",
                Status = StatusCodes.Status409Conflict,
                Detail = "Another request claimed the same unique value first. Read the current state and retry.",
            };

        if (IsStoreUnavailable(exception))
            return new ProblemDetails
            {
                Type = Problems.StoreUnavailableType,
                Title = "The data store is unavailable.",
                Status = StatusCodes.Status503ServiceUnavailable,
                Detail = "The database cannot be reached just now. Retry after the number of seconds in Retry-After; " +
                         "a command sent with an Idempotency-Key may be retried with the same key, and takes effect at most once.",
            };

        if (Find<BadHttpRequestException>(exception) is { } badRequest)
            return new ProblemDetails
            {
                Type = badRequest.StatusCode == StatusCodes.Status413PayloadTooLarge
                    ? "urn:eventcrm:problem:payload-too-large"
                    : "urn:eventcrm:problem:bad-request",
                Title = badRequest.StatusCode == StatusCodes.Status413PayloadTooLarge
                    ? "The request body is too large."
                    : "The request could not be read.",
                Status = badRequest.StatusCode,
                Detail = badRequest.Message,
            };

        // The input guard names the wrong member before an endpoint reads its body; this is the last line, and
        // the serializer's own message would name .NET types.
        if (Find<System.Text.Json.JsonException>(exception) is { } json)
            return new ProblemDetails
            {
                Type = "urn:eventcrm:problem:malformed-json",
                Title = "The request body is not valid JSON for this endpoint.",
                Status = StatusCodes.Status400BadRequest,
                Detail = json.Path is { Length: > 1 } path
                    ? $"The value at '{path.TrimStart('$', '.')}' does not fit this request."
                    : "See the API documentation for this request's fields.",
            };

        return new ProblemDetails
        {
            Type = "urn:eventcrm:problem:internal",
            Title = "An unexpected error occurred.",
            Status = StatusCodes.Status500InternalServerError,
            Detail = "The error has been logged with this request's correlation id.",
        };
    }

    /// <summary>
    /// PostgreSQL is away: no connection could be opened, the server is shutting down or starting up, or the
    /// connection broke mid-command. Npgsql calls these transient; a pool timeout while every connection waits on
    /// a dead server is the same outage.
    /// </summary>
    public static bool IsStoreUnavailable(Exception exception)
    {
        if (Find<PostgresException>(exception) is { } postgres)
            return postgres.SqlState.StartsWith("08", StringComparison.Ordinal) // connection exception
                   || postgres.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown
                       or PostgresErrorCodes.CannotConnectNow;
        return Find<NpgsqlException>(exception) is { IsTransient: true }
               || Find<System.Net.Sockets.SocketException>(exception) is not null;
    }

    private static T? Find<T>(Exception? exception) where T : Exception
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is T match) return match;
            if (exception is AggregateException { InnerExceptions.Count: 1 } aggregate)
                return Find<T>(aggregate.InnerExceptions[0]);
        }
        return null;
    }
}
