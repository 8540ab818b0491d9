using EventCrm.Tests.Customers;

namespace EventCrm.Tests.Imports;

[Collection(AppCollection.Name)]
public class when_an_import_is_reverted(AppFixture app)
{
    [Fact]
    public async Task created_customers_are_deactivated_and_updated_fields_go_back_with_new_events()
    {
        var email = AppFixture.NewEmail("before");
        var oldPhone = ImportApi.NewPhone();
        var known = await app.RegisterWith(new { name = "Rita Revert", email, phone = oldPhone, annualIncome = 30000m, country = "FR" });
        var (first, second) = (AppFixture.NewEmail("first"), AppFixture.NewEmail("second"));
        var report = await app.Imported("customers",
            $"name,email,phone,income,tags\nFirst New,{first},,,\nSecond New,{second},,,\nRita Revert,{email},{ImportApi.NewPhone()},35000,imported\n",
            "onDuplicate=update");
        var batchId = report.GetProperty("id").GetGuid();
        var created = (await app.Rows(batchId, "created")).Values.Select(r => r.GetProperty("customerId").GetGuid()).ToList();

        var result = await app.Revert(batchId, report.GetProperty("version").GetInt32());

        result.Context.Response.StatusCode.ShouldBe(200, await result.ReadAsTextAsync());
        var reverted = await result.Body();
        reverted.GetProperty("status").GetString().ShouldBe("reverted");
        reverted.GetProperty("revertedRows").GetInt32().ShouldBe(3);
        reverted.GetProperty("keptRows").GetInt32().ShouldBe(0);
        foreach (var id in created)
        {
            var profile = await app.Profile(id);
            profile.GetProperty("status").GetString().ShouldBe("inactive");
            profile.GetProperty("deactivationReason").GetString().ShouldBe($"Import {batchId} reverted");
            profile.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ShouldContain("import-reverted");
            (await StoredEvents.Of(app, id)).Select(e => e.Type).ShouldBe(["customer_registered", "customer_deactivated", "tags_added"]);
        }
        var rita = await app.Profile(known);
        rita.GetProperty("phone").GetString().ShouldBe(oldPhone);
        rita.GetProperty("annualIncome").GetDecimal().ShouldBe(30000m);
        rita.GetProperty("tags").GetArrayLength().ShouldBe(0);
        var history = await StoredEvents.Of(app, known);
        history.Select(e => e.Type).ShouldBe(["customer_registered", "contact_details_changed", "demographics_changed", "tags_added",
            "contact_details_changed", "demographics_changed", "tags_removed"]);
        history.Skip(4).ShouldAllBe(e => e.Source == $"import:{batchId}:revert");
    }

    [Fact]
    public async Task a_change_made_since_the_import_is_kept_and_reported()
    {
        var email = AppFixture.NewEmail("since");
        var known = await app.RegisterWith(new { name = "Kim Kept", email, phone = ImportApi.NewPhone() });
        var report = await app.Imported("customers", $"email,phone\n{email},{ImportApi.NewPhone()}\n", "onDuplicate=update");
        var batchId = report.GetProperty("id").GetGuid();
        var mine = ImportApi.NewPhone();
        (await app.ChangeContact(known, new { version = 2, email, phone = mine })).Context.Response.StatusCode.ShouldBe(200);

        var reverted = await (await app.Revert(batchId, report.GetProperty("version").GetInt32())).Body();

        reverted.GetProperty("keptRows").GetInt32().ShouldBe(1);
        (await app.Profile(known)).GetProperty("phone").GetString().ShouldBe(mine);
        (await StoredEvents.Of(app, known)).Count.ShouldBe(3);
    }

    [Fact]
    public async Task reverting_twice_or_with_a_stale_version_is_refused()
    {
        var report = await app.Imported("customers", $"name,email\nOnce Only,{AppFixture.NewEmail("once")}\n");
        var batchId = report.GetProperty("id").GetGuid();
        var version = report.GetProperty("version").GetInt32();

        (await (await app.Revert(batchId, version - 1)).ShouldBeProblem(409)).GetProperty("currentVersion").GetInt32().ShouldBe(version);
        (await app.Revert(batchId, version)).Context.Response.StatusCode.ShouldBe(200);
        var again = await app.Get($"/api/imports/{batchId}");
        var twice = await app.Revert(batchId, again.GetProperty("version").GetInt32());
        (await twice.ShouldBeProblem(422)).GetProperty("detail").GetString().ShouldBe($"Import {batchId} is reverted.");
        (await (await app.Revert(Guid.NewGuid(), 1)).ShouldBeProblem(404)).GetProperty("detail").GetString()!.ShouldStartWith("No import");
    }
}
