using System.Security.Claims;
using EventCrm.Infrastructure.Http;
using Microsoft.AspNetCore.Mvc;

namespace EventCrm.Demo;

/// <summary>
/// What the demo generators share. Every draw comes from the caller's <see cref="Random"/>, so a seed gives
/// the same data every time, ids included.
/// </summary>
internal static class DemoDraws
{
    public static Guid NewId(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40); // version 4
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(bytes);
    }

    /// <summary>A standard normal draw (Box-Muller).</summary>
    public static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    public static int Poisson(Random random, double mean)
    {
        var limit = Math.Exp(-mean);
        var product = random.NextDouble();
        var count = 0;
        while (product > limit) { product *= random.NextDouble(); count++; }
        return count;
    }

    public static ClaimsPrincipal User(string name, string role) =>
        new(new ClaimsIdentity([new Claim("name", name), new Claim("role", role)], "demo", "name", "role"));

    /// <summary>The demo goes through the commands' own validation: a refusal is a bug in the generator.</summary>
    public static void Check(ProblemDetails problem, object command)
    {
        if (problem != Problems.None)
            throw new InvalidOperationException(
                $"Demo data produced an invalid {command.GetType().Name}: {problem.Title} {problem.Detail} {System.Text.Json.JsonSerializer.Serialize(command)}");
    }
}

/// <summary>The generators' clock: set to the moment each command is decided at.</summary>
internal sealed class DemoClock : TimeProvider
{
    public DateTimeOffset Now { get; set; }
    public override DateTimeOffset GetUtcNow() => Now;
}
