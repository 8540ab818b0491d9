using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsvHelper;
using EventCrm.Infrastructure.Security;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace EventCrm.Console;

[Collection(ConsoleCollection.Name)]
public sealed class when_an_auditor_reads_the_audit_log(ConsoleApp app)
{
    [Fact]
    public async Task the_filters_show_the_events_the_api_finds_for_them()
    {
        using var auditor = app.Client(Roles.Auditor);
        var history = await auditor.GetFromJsonAsync<JsonElement>($"/api/customers/{app.Ada}/history");
        var change = history.GetProperty("items")[1];
        change.GetProperty("type").GetString().ShouldBe("contact_details_changed");
        var correlation = change.GetProperty("correlationId").GetString()!;

        await using var visit = await Visit.SignedIn(app, Roles.Auditor);
        await visit.Page.GetByRole(AriaRole.Link, new() { Name = "Audit log" }).First.ClickAsync();
        await Expect(visit.Page.Locator("#events tbody tr").First).ToBeVisibleAsync();

        await visit.Page.GetByLabel("Correlation id").FillAsync(correlation);
        await visit.Page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        var byCorrelation = await auditor.GetFromJsonAsync<JsonElement>($"/api/audit/events?correlationId={correlation}");
        await Expect(visit.Page.Locator("#log-count")).ToHaveTextAsync($"{byCorrelation.GetProperty("total").GetInt32()} event{(byCorrelation.GetProperty("total").GetInt32() == 1 ? "" : "s")}; page 1 of 1.");
        var shownTypes = await visit.Page.Locator("#events tbody tr td:nth-child(3)").AllInnerTextsAsync();
        shownTypes.ShouldBe(byCorrelation.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("type").GetString()!).ToList());
        shownTypes.ShouldContain("contact_details_changed");

        await visit.Page.GetByLabel("Correlation id").FillAsync("");
        await visit.Page.GetByLabel("User").FillAsync("alice");
        await visit.Page.GetByLabel("Event type").FillAsync("customer_registered");
        await visit.Page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(visit.Page.Locator("#log-count")).ToHaveTextAsync("2 events; page 1 of 1.");
        var streams = await visit.Page.Locator("#events tbody tr td:nth-child(5)").AllInnerTextsAsync();
        streams.ShouldBe([app.Ada.ToString(), app.Hostile.ToString()], ignoreOrder: true);
        await visit.Screenshot("audit-log");
        visit.Problems.ShouldBeEmpty();
    }

    [Fact]
    public async Task the_csv_download_holds_every_event_of_the_filter_as_the_api_answers_it()
    {
        await using var visit = await Visit.SignedIn(app, Roles.Auditor);
        await visit.Open("audit.html");
        await visit.Page.GetByLabel("User").FillAsync("alice");
        await visit.Page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(visit.Page.Locator("#events tbody tr").First).ToBeVisibleAsync();

        var download = await visit.Page.RunAndWaitForDownloadAsync(() =>
            visit.Page.GetByRole(AriaRole.Button, new() { Name = "Download CSV" }).ClickAsync());
        download.SuggestedFilename.ShouldBe("audit-log.csv");
        var file = await File.ReadAllTextAsync((await download.PathAsync())!);

        using var auditor = app.Client(Roles.Auditor);
        var api = await auditor.GetFromJsonAsync<JsonElement>("/api/audit/events?user=alice&pageSize=200");
        var expected = api.GetProperty("items").EnumerateArray().ToList();
        expected.Count.ShouldBeGreaterThanOrEqualTo(8);

        await using var csv = CsvReader.Create(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(file)),
            new CsvReaderOptions { MalformedData = CsvMalformedDataHandling.Throw });
        var rows = new List<string[]>();
        while (await csv.ReadAsync()) rows.Add([.. Enumerable.Range(0, csv.FieldCount).Select(i => csv.GetString(i) ?? "")]);
        (csv.Headers ?? []).ShouldBe(["sequence", "timestamp", "type", "streamType", "streamId", "version", "user", "correlationId", "causationId", "source", "headers", "data"]);

        rows.Count.ShouldBe(expected.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var (row, entry) = (rows[i], expected[i]);
            row[0].ShouldBe(entry.GetProperty("sequence").GetRawText());
            DateTimeOffset.Parse(row[1], CultureInfo.InvariantCulture).ShouldBe(entry.GetProperty("timestamp").GetDateTimeOffset());
            row[2].ShouldBe(entry.GetProperty("type").GetString());
            row[4].ShouldBe(entry.GetProperty("streamId").GetString());
            row[5].ShouldBe(entry.GetProperty("version").GetRawText());
            row[6].ShouldBe("alice");
            row[7].ShouldBe(entry.GetProperty("correlationId").GetString());
            row[8].ShouldBe(entry.GetProperty("causationId").GetString());
            JsonNode.DeepEquals(JsonNode.Parse(row[11]), JsonNode.Parse(entry.GetProperty("data").GetRawText())).ShouldBeTrue($"the data of event {row[0]}");
        }
        visit.Problems.ShouldBeEmpty();
    }
}
