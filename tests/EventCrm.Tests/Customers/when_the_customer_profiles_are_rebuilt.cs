using EventCrm.Customers;
using Marten;

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
        var before = await app.StoredProfiles();
        before.ShouldContainKey(id);

        using var daemon = await app.Store.BuildProjectionDaemonAsync();
        await daemon.RebuildProjectionAsync<CustomerProfileProjection>(CancellationToken.None);

        var after = await app.StoredProfiles();
        after.Count.ShouldBe(before.Count);
        foreach (var (profileId, document) in before)
            after[profileId].ShouldBe(document, $"profile {profileId} differs after the rebuild");
    }
}
