using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using EventCrm.Infrastructure.Security;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace EventCrm.Console;

[Collection(ConsoleCollection.Name)]
public sealed class when_an_analyst_opens_the_dashboard(ConsoleApp app)
{
    private static readonly string[] Charts = ["revenue-monthly", "revenue-breakdown", "pipeline-stage", "tickets-monthly", "campaign-attribution", "campaign-funnel"];

    [Fact]
    public async Task every_chart_is_drawn_and_not_blank()
    {
        await using var visit = await Visit.SignedIn(app, Roles.Analyst);
        await visit.Page.GetByRole(AriaRole.Link, new() { Name = "Dashboard" }).First.ClickAsync();
        foreach (var chart in Charts)
        {
            var image = visit.Page.Locator($"#{chart} img.chart");
            await Expect(image).ToHaveAttributeAsync("src", new System.Text.RegularExpressions.Regex("^blob:"));
            await image.EvaluateAsync("image => image.decode()");
            // Drawn into a canvas: a blank or broken image has one colour (or none); a chart has axes, text and data.
            var colours = await image.EvaluateAsync<int>("""
                image => {
                  const canvas = document.createElement("canvas");
                  canvas.width = image.naturalWidth; canvas.height = image.naturalHeight;
                  const context = canvas.getContext("2d");
                  context.drawImage(image, 0, 0);
                  const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
                  const seen = new Set();
                  for (let i = 0; i < pixels.length; i += 4 * 7) seen.add((pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2]);
                  return image.naturalWidth > 0 ? seen.size : 0;
                }
                """);
            colours.ShouldBeGreaterThan(20, $"the chart {chart} draws something");
        }
        await Expect(visit.Page.Locator("#pipeline-asof tbody tr")).ToHaveCountAsync(1);
        await visit.Screenshot("dashboard");
        visit.Problems.ShouldBeEmpty();
    }

    [Fact]
    public async Task each_csv_download_is_what_the_api_answers_and_the_table_shows_it()
    {
        await using var visit = await Visit.SignedIn(app, Roles.Analyst);
        // The filters are in the address: a shared view opens as it was.
        await visit.Open("dashboard.html?by=country");
        await Expect(visit.Page.GetByLabel("Revenue by", new() { Exact = true })).ToHaveValueAsync("country");
        await Expect(visit.Page.Locator("#revenue-breakdown h2")).ToHaveTextAsync("Revenue by country");

        using var analyst = app.Client(Roles.Analyst);
        foreach (var (panel, path) in new[]
        {
            ("revenue-monthly", "/api/analytics/revenue/monthly"),
            ("revenue-breakdown", "/api/analytics/revenue/breakdown?by=country"),
            ("pipeline-stage", "/api/analytics/opportunities/breakdown?by=stage"),
            ("tickets-monthly", "/api/analytics/tickets/monthly"),
            ("campaign-attribution", "/api/analytics/attribution?compare=true"),
            ("campaign-funnel", $"/api/marketing/campaigns/{app.Campaign}/report"),
        })
        {
            var button = visit.Page.Locator($"#{panel} button.download");
            var download = await visit.Page.RunAndWaitForDownloadAsync(() => button.ClickAsync());
            download.SuggestedFilename.ShouldBe($"{panel}.csv");
            var file = await File.ReadAllTextAsync((await download.PathAsync())!);

            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
            var answer = await analyst.SendAsync(request);
            answer.EnsureSuccessStatusCode();
            file.ShouldBe(await answer.Content.ReadAsStringAsync(), $"the {panel} download");

            // The table has one row per line of the file, below its header.
            var lines = file.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
            await Expect(visit.Page.Locator($"#{panel} tbody tr")).ToHaveCountAsync(lines - 1);
        }

        // The funnel is the newest campaign's unless the address names one.
        await Expect(visit.Page.Locator("#campaign-funnel h2")).ToHaveTextAsync("Campaign funnel: Engine ads");
        await visit.Open($"dashboard.html?campaign={app.Campaign}");
        await Expect(visit.Page.GetByLabel("Campaign funnel", new() { Exact = true })).ToHaveValueAsync(app.Campaign.ToString());

        // By category, the hostile purchase's category is the text the API wrote (apostrophe first: never a formula).
        await visit.Page.GetByLabel("Revenue by", new() { Exact = true }).SelectOptionAsync("category");
        await visit.Page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await Expect(visit.Page.Locator("#revenue-breakdown h2")).ToHaveTextAsync("Revenue by category");
        new Uri(visit.Page.Url).Query.ShouldContain("by=category");
        await Expect(visit.Page.Locator("#revenue-breakdown tbody")).ToContainTextAsync("'=HYPERLINK(\"x\")");
        visit.Problems.ShouldBeEmpty();
    }

    [Fact]
    public async Task the_pipeline_is_shown_now_and_as_of_a_date_as_the_api_reports_it()
    {
        await using var visit = await Visit.SignedIn(app, Roles.Analyst);
        using var analyst = app.Client(Roles.Analyst);

        await visit.Open("dashboard.html");
        var now = await analyst.GetFromJsonAsync<JsonElement>("/api/reports/pipeline");
        var stage = now.GetProperty("stages")[0];
        var row = visit.Page.Locator("#pipeline-asof tbody tr");
        await Expect(row).ToHaveCountAsync(now.GetProperty("stages").GetArrayLength());
        (await row.First.Locator("td").AllInnerTextsAsync()).Take(4)
            .ShouldBe([stage.GetProperty("stage").GetString()!, "EUR", "1", "5000"]);
        var download = await visit.Page.RunAndWaitForDownloadAsync(() => visit.Page.Locator("#pipeline-asof button.download").ClickAsync());
        var lines = (await File.ReadAllTextAsync((await download.PathAsync())!)).Split("\r\n");
        lines.ShouldBe(["stage,currency,count,total,probability,weighted", lines[1], ""]);
        var cells = lines[1].Split(',');
        cells[..3].ShouldBe([stage.GetProperty("stage").GetString()!, "EUR", "1"]);
        cells[3..].Select(c => decimal.Parse(c, System.Globalization.CultureInfo.InvariantCulture))
            .ShouldBe(new[] { "total", "probability", "weighted" }.Select(f => stage.GetProperty(f).GetDecimal()));

        // Yesterday the deal (opened today) was not in the pipeline.
        var yesterday = DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-dd");
        (await analyst.GetFromJsonAsync<JsonElement>($"/api/reports/pipeline?asOf={yesterday}")).GetProperty("stages").GetArrayLength().ShouldBe(0);
        await visit.Page.GetByLabel("Pipeline as of").FillAsync(yesterday);
        await visit.Page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await Expect(visit.Page.Locator("#pipeline-asof h2")).ToHaveTextAsync($"Pipeline as of {yesterday}");
        await Expect(visit.Page.Locator("#pipeline-asof table")).ToBeVisibleAsync();
        (await row.CountAsync()).ShouldBe(0);
        new Uri(visit.Page.Url).Query.ShouldContain($"asOf={yesterday}");
        visit.Problems.ShouldBeEmpty();
    }
}
