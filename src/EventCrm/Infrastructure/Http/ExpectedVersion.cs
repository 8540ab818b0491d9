using Microsoft.AspNetCore.Mvc;
using Wolverine.Marten;
using Wolverine.Persistence;

namespace EventCrm.Infrastructure.Http;

/// <summary>
/// Marks the aggregate a command acts on. The aggregate is loaded without the body's expected version, so an
/// unknown id is a 404 rather than a concurrency failure; the slice then compares versions with
/// <see cref="ExpectedVersion.Check"/> (409 when stale). Marten still refuses the commit if the stream moves
/// between that load and the commit, so the check is as strong as passing the version to the load.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class TargetAttribute : WriteAggregateAttribute
{
    public TargetAttribute()
    {
        // No variable has this name: Wolverine finds no expected version to pass to FetchForWriting.
        VersionSource = "expected version compared by the slice";
        OnMissing = OnMissing.ProblemDetailsWith404;
    }
}

/// <summary>What a command on an existing record answers: the record's version after it.</summary>
public record VersionResponse(int Version);

public static class ExpectedVersion
{
    public static ProblemDetails Check(int expected, int current) =>
        expected == current
            ? Problems.None
            : new ProblemDetails
            {
                Type = Problems.StaleVersionType,
                Title = "The record has changed since you read it.",
                Status = StatusCodes.Status409Conflict,
                Detail = $"You sent version {expected}; the current version is {current}. Read the record again and retry with its current version.",
                Extensions = { ["currentVersion"] = current },
            };
}
