using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EventCrm.Audit;
using EventCrm.Infrastructure.Security;
using EventCrm.Tests.Customers;

namespace EventCrm.Tests.Audit;

/// <summary>
/// An auditor who trusts nothing of ours but the published public key checks proofs with the committed script
/// (docs/audit-proofs.py, Python's standard library only): inclusion of one event, consistency of two checkpoints,
/// and a whole subject access export.
/// </summary>
[Collection(AppCollection.Name)]
public class when_proofs_are_checked_by_a_third_party(AppFixture app) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("eventcrm-proofs-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Script
    {
        get
        {
            for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
                if (File.Exists(Path.Combine(folder.FullName, "EventCrm.sln")))
                    return Path.Combine(folder.FullName, "docs", "audit-proofs.py");
            throw new InvalidOperationException("The repository (EventCrm.sln) is not above the test's folder.");
        }
    }

    private async Task<string> Save(string name, string json)
    {
        var path = Path.Combine(_folder, name);
        await File.WriteAllTextAsync(path, json);
        return path;
    }

    private async Task<string> Get(string url, string role = Roles.Auditor)
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("audrey", role));
            s.Get.Url(url);
        });
        return await result.ReadAsTextAsync();
    }

    private async Task<string> Keys()
    {
        var result = await app.Host.Scenario(s => s.Get.Url("/api/audit/keys"));
        return await Save("keys.json", await result.ReadAsTextAsync());
    }

    private static async Task<(int ExitCode, string Output)> Python(params string[] arguments)
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Script);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await errors);
    }

    private async Task<long> NewEvent()
    {
        var customer = await app.Register(AppFixture.NewEmail("proof"), name: "Priya Proof");
        return (await app.History(customer))[0].GetProperty("sequence").GetInt64();
    }

    [Fact]
    public async Task an_inclusion_proof_checks_and_a_doctored_one_does_not()
    {
        var sequence = await NewEvent();
        await app.Checkpointed();
        var json = await Get($"/api/audit/events/{sequence}/proof");
        var keys = await Keys();

        var (exit, output) = await Python("inclusion", await Save("proof.json", json), "--keys", keys);
        exit.ShouldBe(0, output);
        output.ShouldContain($"ok event {sequence}");

        var doctored = JsonNode.Parse(json)!;
        doctored["leaf"]!["user"] = "someone-else";
        (exit, output) = await Python("inclusion", await Save("doctored.json", doctored.ToJsonString()), "--keys", keys);
        exit.ShouldBe(1, output);
        output.ShouldContain("do not lead to the root");
    }

    [Fact]
    public async Task a_proof_against_a_checkpoint_signed_by_another_key_fails()
    {
        var sequence = await NewEvent();
        await app.Checkpointed();
        var proof = JsonNode.Parse(await Get($"/api/audit/events/{sequence}/proof"))!;
        using var stranger = new AuditKeys(new SigningRules { Key = AuditKeys.NewPrivateKeyPem() });
        var (_, signature) = stranger.Sign(Encoding.UTF8.GetBytes(proof["checkpoint"]!["note"]!.GetValue<string>()));
        proof["checkpoint"]!["signature"] = Convert.ToBase64String(signature);

        var (exit, output) = await Python("inclusion", await Save("forged.json", proof.ToJsonString()), "--keys", await Keys());

        exit.ShouldBe(1, output);
        output.ShouldContain("signature does not verify");
    }

    [Fact]
    public async Task a_consistency_proof_between_two_checkpoints_checks()
    {
        await NewEvent();
        var earlier = await app.Checkpointed();
        await NewEvent();
        await NewEvent();
        var later = await app.Checkpointed();
        later.TreeSize.ShouldBeGreaterThan(earlier.TreeSize);

        var json = await Get($"/api/audit/checkpoints/consistency?from={earlier.TreeSize}&to={later.TreeSize}");
        var (exit, output) = await Python("consistency", await Save("consistency.json", json), "--keys", await Keys());
        exit.ShouldBe(0, output);
        output.ShouldContain($"extends the tree of checkpoint {earlier.TreeSize}");

        var proof = JsonSerializer.Deserialize<ConsistencyProof>(json, Api.Json)!;
        MerkleTree.VerifyConsistency(earlier.TreeSize, later.TreeSize, earlier.RootBytes(), later.RootBytes(),
            [.. proof.Path.Select(Convert.FromHexString)]).ShouldBeTrue();
    }

    [Fact]
    public async Task a_subject_access_export_checks_offline_masked_events_and_all()
    {
        var customer = await app.RegisterWith(new { name = "Ella Exported", email = AppFixture.NewEmail("ella"), phone = "+4915122223333" });
        await app.Succeed(customer, "purchases", new { version = 1, amount = 25.00m, currency = "EUR", product = "Book", category = "Media" });
        await app.SealedUpTo(await app.LastSequence());
        await app.ScenarioAndWait(s =>
        {
            s.WithBearerToken(app.TokenFor("dpo", Roles.Admin));
            s.Post.Json(new { version = 2, reason = "Art. 17 request #2026-401" }).ToUrl($"/api/customers/{customer}/erasure");
        });
        await app.Checkpointed();

        var export = await Get($"/api/customers/{customer}/export");
        var (exit, output) = await Python("export", await Save("export.json", export), "--keys", await Keys());

        exit.ShouldBe(0, output);
        output.Split('\n').Count(line => line.StartsWith("ok event", StringComparison.Ordinal)).ShouldBe(3);
        output.ShouldContain("masked since by the erasure");
        var evidence = JsonDocument.Parse(export).RootElement.GetProperty("evidence");
        evidence.GetProperty("notYetCheckpointed").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task the_customer_history_carries_its_proofs_when_asked()
    {
        var sequence = await NewEvent();
        await app.Checkpointed();
        var customer = JsonDocument.Parse(await Get($"/api/audit/events/{sequence}/proof")).RootElement
            .GetProperty("leaf").GetProperty("streamId").GetGuid();

        var plain = JsonDocument.Parse(await Get($"/api/customers/{customer}/history")).RootElement;
        plain.TryGetProperty("evidence", out _).ShouldBeFalse();
        var proven = JsonDocument.Parse(await Get($"/api/customers/{customer}/history?proofs=true")).RootElement;
        var proofs = proven.GetProperty("evidence").GetProperty("proofs");
        proofs.GetArrayLength().ShouldBe(1);
        proofs[0].GetProperty("leaf").GetProperty("sequence").GetInt64().ShouldBe(sequence);
    }

    [Fact]
    public async Task the_public_key_is_published_and_checks_a_checkpoint_outside_the_application()
    {
        await NewEvent();
        var checkpoint = await app.Checkpointed();
        var keys = JsonDocument.Parse(await File.ReadAllTextAsync(await Keys())).RootElement.GetProperty("keys");
        var key = keys.EnumerateArray().Single(k => k.GetProperty("active").GetBoolean());
        key.GetProperty("keyId").GetString().ShouldBe(checkpoint.KeyId);

        using var published = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = Base64Url(key.GetProperty("x").GetString()!), Y = Base64Url(key.GetProperty("y").GetString()!) },
        });
        published.VerifyData(Encoding.UTF8.GetBytes(checkpoint.Note), Convert.FromBase64String(checkpoint.Signature),
            HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation).ShouldBeTrue();
        checkpoint.Note.Split('\n')[..3].ShouldBe(["eventcrm", checkpoint.TreeSize.ToString(), Convert.ToBase64String(checkpoint.RootBytes())]);
    }

    [Fact]
    public async Task a_rotated_key_leaves_earlier_checkpoints_verifiable_while_its_public_key_is_published()
    {
        await NewEvent();
        var signed = await app.Checkpointed();
        using var old = new AuditKeys(new SigningRules { Key = AppFixture.AuditKey });
        var oldPublic = old.Published.Single().PublicKeyPem;

        using var rotated = new AuditKeys(new SigningRules { Key = AuditKeys.NewPrivateKeyPem(), PublicKeys = [oldPublic] });
        using var forgotten = new AuditKeys(new SigningRules { Key = AuditKeys.NewPrivateKeyPem() });

        rotated.ActiveKeyId.ShouldNotBe(signed.KeyId);
        rotated.Published.Select(k => (k.KeyId, k.Active)).ShouldBe([(rotated.ActiveKeyId!, true), (signed.KeyId, false)]);
        signed.IsSignedBy(rotated, "eventcrm").ShouldBeTrue();
        signed.IsSignedBy(forgotten, "eventcrm").ShouldBeFalse();
        signed.IsSignedBy(rotated, "another-log").ShouldBeFalse();
    }

    [Fact]
    public async Task an_event_not_yet_in_a_checkpoint_has_no_proof_yet_and_bad_ranges_are_refused()
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("audrey", Roles.Auditor));
            s.Get.Url($"/api/audit/events/{long.MaxValue}/proof");
            s.IgnoreStatusCode();
        });
        (await result.ShouldBeProblem(404)).GetProperty("detail").GetString()!.ShouldContain("No checkpoint covers");

        result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("audrey", Roles.Auditor));
            s.Get.Url("/api/audit/checkpoints/consistency?from=5&to=2");
            s.IgnoreStatusCode();
        });
        await result.ShouldBeProblem(400);
    }

    private static byte[] Base64Url(string text) =>
        Convert.FromBase64String(text.Replace('-', '+').Replace('_', '/') + new string('=', (4 - text.Length % 4) % 4));
}
