using System.Text.Json;
using Alba;

namespace EventCrm.Tests;

/// <summary>Small helpers that keep scenarios about behaviour rather than HTTP plumbing.</summary>
public static class Api
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<JsonElement> Body(this IScenarioResult result) =>
        JsonDocument.Parse(await result.ReadAsTextAsync()).RootElement;

    public static string? Header(this IScenarioResult result, string name) =>
        result.Context.Response.Headers.TryGetValue(name, out var value) ? value.ToString() : null;

    /// <summary>Asserts an RFC 9457 answer: status, problem content type, and the problem's own status.</summary>
    public static async Task<JsonElement> ShouldBeProblem(this IScenarioResult result, int status, string? type = null)
    {
        result.Context.Response.StatusCode.ShouldBe(status);
        result.Context.Response.ContentType.ShouldNotBeNull().ShouldStartWith("application/problem+json");
        var problem = await result.Body();
        problem.GetProperty("status").GetInt32().ShouldBe(status);
        problem.GetProperty("title").GetString().ShouldNotBeNullOrWhiteSpace();
        if (type is not null) problem.GetProperty("type").GetString().ShouldBe(type);
        return problem;
    }
}
