using System.Text.Json;
using Alba;
using EventCrm.Infrastructure.Security;
using EventCrm.Service;
using Wolverine.Tracking;
using Microsoft.Extensions.Hosting;

namespace EventCrm.Tests.Service;

public static class TicketApi
{
    public static async Task<Guid> OpenTicket(this AppFixture app, Guid customerId, string kind = "inquiry",
        string priority = "normal", string channel = "email")
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sue", Roles.Support));
            s.Post.Json(new { customerId, kind, subject = "Cannot log in", description = "Since yesterday.\nPlease help.", priority, channel })
                .ToUrl("/api/tickets");
            s.StatusCodeShouldBe(201);
        });
        return (await result.Body()).GetProperty("id").GetGuid();
    }

    public static Task<IScenarioResult> Ticket(this AppFixture app, Guid id, string action, object body, string role = Roles.Support) =>
        app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sue", role));
            s.Post.Json(body).ToUrl($"/api/tickets/{id}/{action}");
            s.IgnoreStatusCode();
        });

    public static async Task<int> TicketSucceeds(this AppFixture app, Guid id, string action, object body)
    {
        var result = await app.Ticket(id, action, body);
        result.Context.Response.StatusCode.ShouldBe(200, await result.ReadAsTextAsync());
        return (await result.Body()).GetProperty("version").GetInt32();
    }

    public static async Task<JsonElement> TicketView(this AppFixture app, Guid id)
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("ann", Roles.Analyst));
            s.Get.Url($"/api/tickets/{id}");
        });
        return await result.Body();
    }

    /// <summary>Runs the SLA check for a promise now, as the scheduler does when it falls due.</summary>
    public static Task CheckSla(this AppFixture app, Guid id, SlaTarget target) =>
        ((IHost)app.Host).InvokeMessageAndWaitAsync(new CheckTicketSla(id, target));
}
