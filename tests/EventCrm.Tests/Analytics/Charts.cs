using System.Buffers.Binary;
using System.Xml.Linq;
using Alba;

namespace EventCrm.Tests.Analytics;

/// <summary>What makes a chart answer valid: a PNG of the promised size, or well-formed SVG with the title in it.</summary>
public static class ChartChecks
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static async Task<byte[]> ShouldBePng(this IScenarioResult result)
    {
        result.Context.Response.StatusCode.ShouldBe(200, await result.ReadAsTextAsync());
        result.Context.Response.ContentType.ShouldBe("image/png");
        var stream = new MemoryStream();
        result.Context.Response.Body.Position = 0;
        await result.Context.Response.Body.CopyToAsync(stream);
        var png = stream.ToArray();
        png.Take(8).ShouldBe(PngSignature);
        // The first chunk is IHDR: width and height, big-endian.
        System.Text.Encoding.ASCII.GetString(png, 12, 4).ShouldBe("IHDR");
        BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)).ShouldBe(900);
        BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)).ShouldBe(560);
        return png;
    }

    public static async Task<XDocument> ShouldBeSvg(this IScenarioResult result, string title)
    {
        result.Context.Response.StatusCode.ShouldBe(200, await result.ReadAsTextAsync());
        result.Context.Response.ContentType!.ShouldStartWith("image/svg+xml");
        var svg = XDocument.Parse(await result.ReadAsTextAsync());
        svg.Root!.Name.LocalName.ShouldBe("svg");
        svg.Texts().ShouldContain(text => text.Contains(title));
        return svg;
    }

    /// <summary>Every piece of text drawn on an SVG chart.</summary>
    public static IReadOnlyList<string> Texts(this XDocument svg) =>
        [.. svg.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value.Trim())];
}
