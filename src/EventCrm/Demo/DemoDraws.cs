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
    /// <summary>The next id of the entity <paramref name="random"/> draws for (see <see cref="DemoRandom"/>).</summary>
    public static Guid NewId(DemoRandom random) => random.NextId();

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

/// <summary>
/// The draws of one demo entity (a customer, its sales, its tickets): the numbers of <see cref="Random"/> with the same
/// seed, and ids that are the entity's alone. Seeds are 31 bits (and a seed and its negative give one sequence), so
/// among hundreds of thousands of entities some share a sequence: 172 pairs at 350,000 customers. Where two of those
/// drew an id at the same point they drew the same id, and the seed of 350,000 customers failed on a duplicate stream.
/// Each id is therefore the drawn bytes mixed with a hash of the entity's kind, number and count of ids so far.
/// </summary>
internal sealed class DemoRandom(int seed, string kind, int index) : Random(seed)
{
    private int _ids;

    public Guid NextId()
    {
        Span<byte> bytes = stackalloc byte[16];
        NextBytes(bytes); // drawn as before, so that every other draw of the entity stays where it was
        Span<byte> key = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{kind}:{index}:{_ids++}")), key);
        for (var i = 0; i < bytes.Length; i++) bytes[i] ^= key[i];
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40); // version 4
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(bytes);
    }
}
