using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Alba;
using EventCrm.Infrastructure.Security;

namespace EventCrm.Tests.Imports;

/// <summary>Sends files to the import endpoints the way a client does.</summary>
public static class ImportApi
{
    public const string Importer = "imogen";

    /// <summary>POST a file as multipart/form-data (field 'file'), whatever the answer.</summary>
    public static Task<IScenarioResult> Import(this AppFixture app, string kind, byte[] file, string fileName = "customers.csv",
        string query = "", string role = Roles.Sales, string contentType = "text/csv") =>
        app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor(Importer, role));
            var content = new MultipartFormDataContent();
            var part = new ByteArrayContent(file);
            part.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            content.Add(part, "file", fileName);
            var send = s.Post.MultipartFormData(content).ToUrl($"/api/imports/{kind}");
            foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)))
                send.QueryString(pair[0], Uri.UnescapeDataString(pair[1]));
            s.IgnoreStatusCode();
        });

    public static Task<IScenarioResult> Import(this AppFixture app, string kind, string text, string fileName = "customers.csv",
        string query = "") => app.Import(kind, Encoding.UTF8.GetBytes(text), fileName, query);

    /// <summary>An import that must be done during the request: answers its report.</summary>
    public static async Task<JsonElement> Imported(this AppFixture app, string kind, string text, string query = "")
    {
        var result = await app.Import(kind, text, query: query);
        result.Context.Response.StatusCode.ShouldBe(201, await result.ReadAsTextAsync());
        return await result.Body();
    }

    public static async Task<JsonElement> Get(this AppFixture app, string url)
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("reader", Roles.Sales));
            s.Get.Url(url);
        });
        return await result.Body();
    }

    public static Task<IScenarioResult> Revert(this AppFixture app, Guid batchId, int version) =>
        app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor(Importer, Roles.Sales));
            s.Post.Json(new { version }).ToUrl($"/api/imports/{batchId}/revert");
            s.IgnoreStatusCode();
        });

    /// <summary>Text no other test uses, for e-mail domains and the like.</summary>
    public static string Unique() => Guid.NewGuid().ToString("N")[..10];

    /// <summary>A valid German mobile number no other test uses (almost surely).</summary>
    public static string NewPhone() => $"+49151{Random.Shared.Next(10_000_000, 99_999_999)}";

    /// <summary>The rows of a report with the given outcome, by row number.</summary>
    public static async Task<Dictionary<int, JsonElement>> Rows(this AppFixture app, Guid batchId, string? outcome = null)
    {
        var page = await app.Get($"/api/imports/{batchId}/rows?pageSize=200{(outcome is null ? "" : "&outcome=" + outcome)}");
        return page.GetProperty("items").EnumerateArray().ToDictionary(r => r.GetProperty("row").GetInt32());
    }

    public static Dictionary<int, JsonElement> Rejected(this JsonElement report) =>
        report.GetProperty("rejected").GetProperty("items").EnumerateArray().ToDictionary(r => r.GetProperty("row").GetInt32());

    public static string Reason(this JsonElement rejected) =>
        string.Join("; ", rejected.GetProperty("errors").EnumerateArray().Select(e => $"{e.GetProperty("field").GetString()}: {e.GetProperty("reason").GetString()}"));
}
