using EventCrm.Customers;
using Marten;
using Npgsql;
using Microsoft.Extensions.DependencyInjection;

namespace EventCrm.Tests.Customers;

[Collection(AppCollection.Name)]
public class when_the_customer_profiles_are_rebuilt(AppFixture app)
{
    [Fact]
    public async Task every_profile_comes_back_identical_from_the_events()
    {
        var id = await app.Register(AppFixture.NewEmail(), name: "Rebuilt Customer", phone: "+4930123456");
        (await app.ChangeContact(id, new { version = 1, email = AppFixture.NewEmail("rebuilt"), phone = (string?)null }))
            .Context.Response.StatusCode.ShouldBe(200);
        var before = await StoredProfiles();
        before.ShouldContainKey(id);

        using var daemon = await app.Store.BuildProjectionDaemonAsync();
        await daemon.RebuildProjectionAsync<CustomerProfileProjection>(CancellationToken.None);

        var after = await StoredProfiles();
        after.Count.ShouldBe(before.Count);
        foreach (var (profileId, document) in before)
            after[profileId].ShouldBe(document, $"profile {profileId} differs after the rebuild");
    }

    /// <summary>Each stored profile's JSON and revision, exactly as PostgreSQL holds them.</summary>
    private async Task<Dictionary<Guid, string>> StoredProfiles()
    {
        var dataSource = app.Host.Services.GetRequiredService<NpgsqlDataSource>();
        await using var command = dataSource.CreateCommand(
            "select id, data::text || ' @' || mt_version from crm.mt_doc_customerprofile");
        await using var reader = await command.ExecuteReaderAsync();
        var profiles = new Dictionary<Guid, string>();
        while (await reader.ReadAsync()) profiles[reader.GetGuid(0)] = reader.GetString(1);
        return profiles;
    }
}
