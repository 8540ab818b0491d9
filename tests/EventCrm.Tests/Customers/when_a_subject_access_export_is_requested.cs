using EventCrm.Infrastructure.Security;

namespace EventCrm.Tests.Customers;

[Collection(AppCollection.Name)]
public class when_a_subject_access_export_is_requested(AppFixture app)
{
    [Fact]
    public async Task one_document_holds_the_current_state_and_every_event_including_merged_duplicates()
    {
        var email = AppFixture.NewEmail("subject");
        var id = await app.RegisterWith(new { name = "Subject Person", email, country = "NL" });
        await app.Succeed(id, "purchases", new { version = 1, amount = 12m, currency = "EUR", product = "Pen", category = "Office" });
        var duplicate = await app.Register(AppFixture.NewEmail("subject.dup"));
        await app.Succeed(id, "merge", new { version = 2, duplicateId = duplicate });

        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("dpo", Roles.Auditor));
            s.Get.Url($"/api/customers/{id}/export");
        });
        var export = await result.Body();

        export.GetProperty("exportedBy").GetString().ShouldBe("dpo");
        export.GetProperty("customer").GetProperty("email").GetString().ShouldBe(email);
        export.GetProperty("customer").GetProperty("version").GetInt32().ShouldBe(3);
        export.GetProperty("history").EnumerateArray().Select(e => e.GetProperty("type").GetString())
            .ShouldBe(["customer_registered", "purchase_recorded", "customer_merged"]);
        var merged = export.GetProperty("mergedDuplicates").EnumerateArray().Single();
        merged.GetProperty("id").GetGuid().ShouldBe(duplicate);
        merged.GetProperty("history").EnumerateArray().Select(e => e.GetProperty("type").GetString())
            .ShouldBe(["customer_registered", "customer_merged_into"]);
    }

    [Fact]
    public async Task sales_cannot_export_and_an_unknown_customer_is_a_404()
    {
        var id = await app.Register(AppFixture.NewEmail());
        var forbidden = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Get.Url($"/api/customers/{id}/export");
            s.IgnoreStatusCode();
        });
        await forbidden.ShouldBeProblem(403);

        var missing = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("dpo", Roles.Auditor));
            s.Get.Url($"/api/customers/{Guid.NewGuid()}/export");
            s.IgnoreStatusCode();
        });
        await missing.ShouldBeProblem(404);
    }
}
