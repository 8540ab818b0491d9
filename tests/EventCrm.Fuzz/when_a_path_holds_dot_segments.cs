using System.Text.Json;
using EventCrm.Infrastructure.Security;

namespace EventCrm.Fuzz;

/// <summary>
/// A path value of <c>.</c>, <c>..</c> or <c>%2e</c> is removed before routing, so the request reaches another
/// operation (or none) and is authorised by that one's roles. The fuzzer's judge must know which: this holds
/// <see cref="Routes.Reached"/> to what the real server does, for every readable operation with a path parameter.
/// </summary>
[Collection(FuzzCollection.Name)]
public class when_a_path_holds_dot_segments(FuzzTarget target)
{
    private async Task<WireResponse> Get(string path, string role)
    {
        using var client = new WireClient(target.Host, target.Port);
        return await client.Send(new WireRequest("GET", path,
            [WireRequest.Header("Authorization", "Bearer " + target.Token(role))], [], Framing.Length, 4096), Fuzzer.Patience);
    }

    [Theory]
    [InlineData(".")]
    [InlineData("%2e")]
    [InlineData("..")]
    [InlineData("%2e%2e")]
    public async Task the_request_is_authorised_by_the_operation_it_reaches(string dots)
    {
        var cases = target.Operations
            .Where(o => o.Method == "GET" && !o.IsPublic && o.InPath.Any())
            .Select(o => (Made: o, Path: Fill(o, dots)))
            .ToList();
        cases.Count.ShouldBeGreaterThan(20, "many read operations take a path parameter");
        var (elsewhere, nowhere) = (0, 0);

        foreach (var (made, path) in cases)
        {
            var reached = Routes.Routed(target.Operations, "GET", path);
            if (reached is null) nowhere++; else if (reached != made) elsewhere++;
            foreach (var role in Roles.All)
            {
                var response = await Get(path, role);
                var because = $"{path} as {role} reaches {(reached is null ? "no operation" : reached.Method + " " + reached.Path)}: {response.Text}";
                if (reached is null)
                    response.Status.ShouldBeOneOf([404, 405], because);
                else if (reached.IsPublic || reached.Roles!.Contains(role))
                    response.Status.ShouldNotBeOneOf([401, 403], because);
                else
                {
                    response.Status.ShouldBe(403, because);
                    JsonDocument.Parse(response.Body).RootElement.GetProperty("rolesNeeded").EnumerateArray()
                        .Select(r => r.GetString()).ShouldBe(reached.Roles!, ignoreOrder: true);
                }
            }
        }
        (elsewhere + nowhere).ShouldBeGreaterThan(0, $"'{dots}' in a path takes some requests away from the operation they were made for");
    }

    /// <summary>The operation's path with its first parameter as the dots and the others as fresh ids.</summary>
    private static string Fill(Operation operation, string dots)
    {
        var first = operation.InPath.First().Name;
        return operation.InPath.Aggregate(operation.Path, (path, p) =>
            path.Replace("{" + p.Name + "}", p.Name == first ? dots : Guid.CreateVersion7().ToString()));
    }
}
