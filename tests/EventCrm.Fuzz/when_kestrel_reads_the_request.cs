using System.Text;
using System.Text.Json;
using EventCrm.Infrastructure.Security;

namespace EventCrm.Fuzz;

/// <summary>
/// What happens on the wire before any endpoint runs, against the real server: issue 15, class 14 (Kestrel answered
/// first, with no problem body), class 11 (an anonymous upload buffered before authentication) and class 12 (chunked
/// bodies refused below the limit). Where Kestrel still answers by itself, the test says so and above which size.
/// </summary>
[Collection(FuzzCollection.Name)]
public class when_kestrel_reads_the_request(FuzzTarget target)
{
    private async Task<WireResponse> Send(string method, string path, byte[]? body = null, string? role = Roles.Admin,
        Framing framing = Framing.Length, params (string Name, byte[] Value)[] headers)
    {
        var all = new List<(string, byte[])>(headers);
        if (role is not null) all.Add(WireRequest.Header("Authorization", "Bearer " + target.Token(role)));
        if (body is not null) all.Add(WireRequest.Header("Content-Type", "application/json"));
        using var client = new WireClient(target.Host, target.Port);
        return await client.Send(new WireRequest(method, path, all, body ?? [], framing, 4096), Fuzzer.Patience);
    }

    private static JsonElement Problem(WireResponse response, int status)
    {
        response.Status.ShouldBe(status, response.Text);
        response.Header("Content-Type").ShouldNotBeNull().ShouldStartWith("application/problem+json");
        var problem = JsonDocument.Parse(response.Body).RootElement;
        problem.GetProperty("status").GetInt32().ShouldBe(status);
        return problem;
    }

    private static void KestrelsOwn(WireResponse response, int status)
    {
        response.Status.ShouldBe(status);
        response.Body.ShouldBeEmpty("Kestrel answers these itself, before the application sees the request");
    }

    [Theory]
    [InlineData(9_000)]
    [InlineData(100_000)]
    [InlineData(200_000)]
    public async Task a_long_query_is_a_414_problem(int length)
    {
        var response = await Send("GET", "/api/customers?q=" + new string('q', length));

        Problem(response, 414).GetProperty("detail").GetString()!.ShouldContain("at most 8,192");
    }

    [Fact]
    public async Task a_request_line_beyond_kestrels_limit_is_a_bare_414()
    {
        KestrelsOwn(await Send("GET", "/api/customers?q=" + new string('q', 300 * 1024)), 414);
    }

    [Fact]
    public async Task large_headers_are_a_431_problem()
    {
        var big = await Send("GET", "/api/customers", headers: WireRequest.Header("X-Padding", new string('h', 40_000)));
        var many = await Send("GET", "/api/customers", headers: [.. Enumerable.Range(0, 150).Select(i => WireRequest.Header($"X-Many-{i}", "v"))]);

        Problem(big, 431).GetProperty("detail").GetString()!.ShouldContain("32,768 bytes");
        Problem(many, 431).GetProperty("detail").GetString()!.ShouldContain("at most 100 headers");
    }

    [Fact]
    public async Task headers_beyond_kestrels_limits_are_a_bare_431()
    {
        KestrelsOwn(await Send("GET", "/api/customers", headers: WireRequest.Header("X-Padding", new string('h', 300 * 1024))), 431);
        KestrelsOwn(await Send("GET", "/api/customers", headers: [.. Enumerable.Range(0, 1100).Select(i => WireRequest.Header($"X-Many-{i}", "v"))]), 431);
    }

    [Theory]
    [InlineData(new byte[] { 0x63, 0x61, 0x66, 0xC3, 0xA9 })] // "café" in UTF-8
    [InlineData(new byte[] { 0x63, 0x61, 0x66, 0xE9 })] // "café" in Latin-1: not UTF-8
    [InlineData(new byte[] { 0xFF, 0xFE })]
    public async Task a_header_value_beyond_ascii_reaches_the_application(byte[] value)
    {
        var response = await Send("GET", "/api/customers?pageSize=1", headers: [("X-Note", value), ("User-Agent", value)]);

        response.Status.ShouldBe(200, response.Text);
    }

    [Fact]
    public async Task a_token_beyond_ascii_is_a_401_problem()
    {
        var response = await Send("GET", "/api/customers", role: null, headers: ("Authorization", [.. "Bearer caf"u8.ToArray(), 0xE9]));

        Problem(response, 401);
    }

    [Fact]
    public async Task a_nul_in_a_query_is_a_400_problem_but_in_a_path_kestrels_bare_400()
    {
        Problem(await Send("GET", "/api/customers?owner=a%00b"), 400);

        KestrelsOwn(await Send("GET", "/api/customers/a%00b"), 400);
    }

    [Fact]
    public async Task a_request_target_with_raw_bytes_beyond_ascii_is_kestrels_bare_400()
    {
        KestrelsOwn(await Send("GET", "/api/customers/é"), 400);
    }

    [Fact]
    public async Task a_chunked_body_under_the_limit_is_read_and_one_over_it_is_a_413_problem()
    {
        // Class 12: the same limit (1 MiB) whether the body is chunked or declared.
        byte[] Body(int bytes) => Encoding.UTF8.GetBytes("{\"name\":\"" + new string('x', bytes - 35) + "\",\"email\":\"a@example.com\"}");
        var under = Body(1024 * 1024 - 1);
        var over = Body(1024 * 1024 + 1);
        under.Length.ShouldBe(1024 * 1024 - 1);

        foreach (var framing in new[] { Framing.Chunked, Framing.Length })
        {
            var read = await Send("POST", "/api/customers", under, framing: framing);
            Problem(read, 400).GetProperty("errors").TryGetProperty("name", out _).ShouldBeTrue($"{framing}: read whole and checked");
            Problem(await Send("POST", "/api/customers", over, framing: framing), 413);
        }
    }

    [Fact]
    public async Task an_anonymous_upload_is_refused_before_its_body_is_read()
    {
        // Class 11: 200 MiB, chunked, without a token: the 401 comes while most of it is still unsent.
        var piece = new byte[1024 * 1024];
        Array.Fill(piece, (byte)'a');
        var request = new WireRequest("POST", "/api/imports/customers", [WireRequest.Header("Content-Type", "application/json")], [], Framing.Chunked)
        {
            Streamed = () => Enumerable.Repeat<ReadOnlyMemory<byte>>(piece, 200),
        };
        using var client = new WireClient(target.Host, target.Port);

        var response = await client.Send(request, Fuzzer.Patience);

        Problem(response, 401);
        client.BodyBytesSent.ShouldBeLessThan(50L * 1024 * 1024);
    }
}
