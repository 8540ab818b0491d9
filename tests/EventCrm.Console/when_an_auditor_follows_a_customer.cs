using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using EventCrm.Infrastructure.Security;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace EventCrm.Console;

[Collection(ConsoleCollection.Name)]
public sealed class when_an_auditor_follows_a_customer(ConsoleApp app)
{
    [Fact]
    public async Task the_search_leads_to_the_timeline_with_who_when_and_why()
    {
        await using var visit = await Visit.SignedIn(app, Roles.Auditor);
        await visit.Page.GetByRole(AriaRole.Link, new() { Name = "Customers" }).First.ClickAsync();
        await visit.Page.GetByLabel("Name or e-mail").FillAsync("ada");
        await visit.Page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        var found = visit.Page.Locator("#customers tbody tr");
        await Expect(found).ToHaveCountAsync(1);
        await Expect(found.First.Locator("td").Nth(1)).ToHaveTextAsync("ada@analytical.engine");
        await visit.Screenshot("customers");

        await found.First.GetByRole(AriaRole.Link, new() { Name = "Ada Lovelace" }).ClickAsync();
        await Expect(visit.Page.Locator("h1")).ToHaveTextAsync("Ada Lovelace");
        var rows = visit.Page.Locator("#timeline-table tbody tr");
        await Expect(rows.First).ToBeVisibleAsync();

        // Every event the API's timeline answers, in its order, with its user, source, correlation and causation.
        using var auditor = app.Client(Roles.Auditor);
        var timeline = await auditor.GetFromJsonAsync<JsonElement>($"/api/customers/{app.Ada}/timeline?page=1&pageSize=50");
        var expected = timeline.GetProperty("items").EnumerateArray().ToList();
        // Her registration, contact change and two purchases; her deal, her ticket; the ads campaign reaching her, and her click.
        expected.Select(e => e.GetProperty("streamType").GetString()).ShouldBe(
            ["customer", "customer", "customer", "customer", "opportunity", "ticket", "campaign_recipient", "campaign_recipient"], ignoreOrder: true);
        await Expect(rows).ToHaveCountAsync(expected.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            var cells = await rows.Nth(i).Locator("td").AllInnerTextsAsync();
            cells[1].ShouldBe(expected[i].GetProperty("type").GetString());
            cells[4].ShouldBe("alice");
            cells[5].ShouldBe(expected[i].GetProperty("headers").GetProperty("source").GetString());
            cells[6].ShouldBe(expected[i].GetProperty("correlationId").GetString());
            cells[7].ShouldBe(expected[i].GetProperty("causationId").GetString());
        }
        visit.Problems.ShouldBeEmpty();
    }

    [Fact]
    public async Task the_as_of_slider_shows_each_stored_version_and_marks_what_changed()
    {
        await using var visit = await Visit.SignedIn(app, Roles.Auditor);
        await visit.Open($"customer.html?id={app.Ada}");
        var slider = visit.Page.GetByRole(AriaRole.Slider, new() { Name = "Version" });
        await Expect(slider).ToHaveAttributeAsync("max", "4");
        await Expect(visit.Page.Locator("#asof-profile")).ToHaveAttributeAsync("data-version", "4");

        // The keyboard, as a person without a mouse moves it: to the first version, then one step on.
        await slider.FocusAsync();
        await visit.Page.Keyboard.PressAsync("Home");
        await Expect(visit.Page.Locator("#asof-profile")).ToHaveAttributeAsync("data-version", "1");
        await ShowsTheStoredVersion(visit.Page, 1);
        await Expect(visit.Page.Locator("#asof-summary")).ToHaveTextAsync("The first version: every field is new.");

        await visit.Page.Keyboard.PressAsync("ArrowRight");
        await Expect(visit.Page.Locator("#asof-profile")).ToHaveAttributeAsync("data-version", "2");
        var shown = await ShowsTheStoredVersion(visit.Page, 2);
        shown["email"].ShouldBe("ada@analytical.engine");
        await Expect(visit.Page.Locator("#version-label")).ToContainTextAsync("version 2 of 4: contact_details_changed");

        // What changed from version 1 is marked (and said in words), what did not is not.
        var changed = await visit.Page.Locator("#asof-profile tr.changed").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.field)");
        changed.ShouldContain("email");
        changed.ShouldContain("version");
        changed.ShouldNotContain("name");
        changed.ShouldNotContain("phone");
        await Expect(visit.Page.Locator("#asof-profile tr[data-field=email] td").Nth(1)).ToHaveTextAsync("ada@example.com");
        await Expect(visit.Page.Locator("#asof-summary")).ToContainTextAsync("email");
        await visit.Screenshot("customer-as-of");

        // A moment instead of a version: the one in force then, as the API's as-of by time answers it (a minute ahead is
        // within the clock skew the API allows, and after every change).
        await visit.Page.GetByLabel("Or as it was at (UTC)").FillAsync(DateTime.UtcNow.AddMinutes(1).ToString("yyyy-MM-ddTHH:mm"));
        await visit.Page.GetByRole(AriaRole.Button, new() { Name = "Show that moment" }).ClickAsync();
        await Expect(visit.Page.Locator("#asof-profile")).ToHaveAttributeAsync("data-version", "4");
        await Expect(slider).ToHaveValueAsync("4");
        await visit.Page.GetByLabel("Or as it was at (UTC)").FillAsync("2020-01-01T00:00");
        await visit.Page.GetByRole(AriaRole.Button, new() { Name = "Show that moment" }).ClickAsync();
        await Expect(visit.Page.Locator("#at-problem")).ToHaveTextAsync("The customer did not exist yet at 2020-01-01T00:00:00Z.");
        visit.Problems.ShouldBeEmpty();
    }

    /// <summary>The profile the page shows at a version is field for field the API's as-of answer for that version.</summary>
    private async Task<Dictionary<string, string>> ShowsTheStoredVersion(IPage page, int version)
    {
        using var auditor = app.Client(Roles.Auditor);
        var stored = await auditor.GetFromJsonAsync<JsonElement>($"/api/customers/{app.Ada}/as-of?version={version}");
        var shown = new Dictionary<string, string>();
        foreach (var row in await page.Locator("#asof-profile tbody tr").AllAsync())
            shown[(await row.GetAttributeAsync("data-field"))!] = await row.Locator("td").First.InnerTextAsync();

        shown.Keys.ShouldBe(stored.EnumerateObject().Select(p => p.Name), ignoreOrder: true);
        foreach (var property in stored.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.Number)
                double.Parse(shown[property.Name], CultureInfo.InvariantCulture).ShouldBe(property.Value.GetDouble(), $"the field {property.Name} at version {version}");
            else
                shown[property.Name].ShouldBe(Text(property.Value), $"the field {property.Name} at version {version}");
        }
        return shown;
    }

    /// <summary>A value as the page writes it: text as is, null as nothing, the rest as JSON.</summary>
    private static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => "",
        JsonValueKind.String => value.GetString()!,
        _ => value.GetRawText(),
    };

    [Fact]
    public async Task a_name_that_is_markup_is_shown_as_text_and_never_runs()
    {
        await using var visit = await Visit.SignedIn(app, Roles.Auditor);
        await visit.Open("customers.html");
        await visit.Page.GetByLabel("Name or e-mail").FillAsync("onerror");
        await visit.Page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        var cell = visit.Page.Locator("#customers tbody tr td").First;
        await Expect(cell).ToHaveTextAsync(ConsoleApp.HostileName);

        await cell.GetByRole(AriaRole.Link).ClickAsync();
        await Expect(visit.Page.Locator("h1")).ToHaveTextAsync(ConsoleApp.HostileName);
        await Expect(visit.Page.Locator("#timeline-table tbody tr")).ToHaveCountAsync(2);
        await Expect(visit.Page.Locator("#asof-profile")).ToHaveAttributeAsync("data-version", "2");
        (await visit.Page.TitleAsync()).ShouldStartWith(ConsoleApp.HostileName);

        // The name and the product are text in the profile, the as-of table and the events' data; no element came of them.
        (await visit.Page.Locator("img[src=x], script:not([src])").CountAsync()).ShouldBe(0);
        (await visit.Page.Locator("#profile tr[data-field=name] td").InnerTextAsync()).ShouldBe(ConsoleApp.HostileName);
        await visit.Page.Locator("#timeline-table details").Last.Locator("summary").ClickAsync();
        await Expect(visit.Page.Locator("#timeline-table details").Last.Locator("pre")).ToContainTextAsync("<script>alert(2)</script>");
        visit.Dialogs.ShouldBeEmpty();
        visit.Problems.ShouldBeEmpty();
    }
}
