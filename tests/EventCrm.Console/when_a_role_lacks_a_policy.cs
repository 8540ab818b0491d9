using EventCrm.Infrastructure.Security;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace EventCrm.Console;

/// <summary>Each page follows the API's policy for what it shows; the API still decides every request.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class when_a_role_lacks_a_policy(ConsoleApp app)
{
    [Fact]
    public async Task an_analyst_sees_no_history_as_of_or_audit_log_and_the_pages_say_why()
    {
        await using var visit = await Visit.SignedIn(app, Roles.Analyst);
        await Expect(visit.Page.Locator("#pages")).ToContainTextAsync("Audit log: needs the audit policy (admin, auditor)");
        (await visit.Page.Locator("#pages a", new() { HasText = "Audit log" }).CountAsync()).ShouldBe(0);

        await visit.Open($"customer.html?id={app.Ada}");
        await Expect(visit.Page.Locator("h1")).ToHaveTextAsync("Ada Lovelace");
        await Expect(visit.Page.Locator("#asof [data-policy=audit]")).ToContainTextAsync("your token carries analyst");
        (await visit.Page.Locator("#version").CountAsync()).ShouldBe(0);
        await Expect(visit.Page.Locator("#export [data-policy=audit]")).ToContainTextAsync("your token carries analyst");
        (await visit.Page.Locator("#export-proofs").CountAsync()).ShouldBe(0);
        await Expect(visit.Page.Locator("#timeline-table tbody tr").First).ToBeVisibleAsync();

        await visit.Open("audit.html");
        await Expect(visit.Page.Locator("[data-policy=audit]")).ToContainTextAsync("The audit log needs the audit policy");
        (await visit.Page.Locator("#events, #filters, #verify, #latest-checkpoint").CountAsync()).ShouldBe(0);
        await visit.Screenshot("audit-log-as-analyst");

        // The pages did not even ask: no request for a history, an as-of profile or the audit log went out.
        visit.ApiRequests().Where(r => r.Path.Contains("/history") || r.Path.Contains("/as-of") || r.Path.EndsWith("/export", StringComparison.Ordinal)
                                       || r.Path.StartsWith("/api/audit", StringComparison.Ordinal))
            .ShouldBeEmpty();
        visit.Problems.ShouldBeEmpty();
    }

    [Fact]
    public async Task an_auditor_sees_no_dashboard_and_the_page_says_why()
    {
        await using var visit = await Visit.SignedIn(app, Roles.Auditor);
        await visit.Open("dashboard.html");
        await Expect(visit.Page.Locator("[data-policy='analytics:read']")).ToContainTextAsync("your token carries auditor");
        (await visit.Page.Locator("img.chart").CountAsync()).ShouldBe(0);
        visit.ApiRequests().Where(r => r.Path.StartsWith("/api/analytics", StringComparison.Ordinal)).ShouldBeEmpty();
        visit.Problems.ShouldBeEmpty();
    }

    [Fact]
    public async Task an_auditors_console_only_reads_and_what_it_appends_is_the_access_logs_record_of_those_reads()
    {
        var before = await app.LastSequence();
        await using var visit = await Visit.SignedIn(app, Roles.Auditor, "audrey.walk");
        foreach (var page in new[] { "customers.html", $"customer.html?id={app.Ada}", "audit.html", "dashboard.html", "model.html?name=churn", "" })
        {
            await visit.Open(page);
            // Nothing on any page sends anything but a read: no control posts, puts or deletes.
            (await visit.Page.Locator("form[action]").CountAsync()).ShouldBe(0, $"{page} has no form that submits anywhere");
        }
        await visit.Open($"customer.html?id={app.Ada}");
        var slider = visit.Page.GetByRole(AriaRole.Slider, new() { Name = "Version" });
        await slider.FocusAsync();
        await visit.Page.Keyboard.PressAsync("Home");
        await Expect(visit.Page.Locator("#asof-profile")).ToHaveAttributeAsync("data-version", "1");
        await visit.Open("audit.html");
        await visit.Page.GetByRole(AriaRole.Button, new() { Name = "Download CSV" }).ClickAsync();

        var requests = visit.Requests.ToList();
        requests.Count.ShouldBeGreaterThan(10);
        requests.Where(r => r.Method is not ("GET" or "HEAD")).ShouldBeEmpty();
        visit.ApiRequests().Select(r => r.Path.Split('?')[0]).Distinct().ShouldNotBeEmpty();

        // What it appends is the access log's record of the auditor's reads of personal data (written in batches,
        // each second), and nothing else.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        List<(string Type, string Data)> appended;
        bool ReadAda((string Type, string Data) e) => e.Data.Contains(app.Ada.ToString()) && e.Data.Contains("\"audrey.walk\"");
        while (!(appended = await app.EventsAfter(before)).Any(ReadAda) && DateTime.UtcNow < deadline)
            await Task.Delay(250);
        appended.Any(ReadAda).ShouldBeTrue("the auditor's reads of Ada's record are in the access log, as the auditor's");
        appended.Select(e => e.Type).Distinct().ShouldBe(["personal_data_reads_recorded"], "a walk through the auditor's console appends no other event");
    }
}
