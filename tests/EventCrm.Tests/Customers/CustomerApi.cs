using EventCrm.Customers;
using System.Text.Json;
using Alba;
using EventCrm.Infrastructure.Security;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventCrm.Tests.Customers;

/// <summary>Drives the customer endpoints the way a client does.</summary>
public static class CustomerApi
{
    public static async Task<Guid> Register(this AppFixture app, string email, string name = "Grace Hopper",
        string? phone = null, string? token = null)
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(token ?? app.TokenFor("sam", Roles.Sales));
            s.Post.Json(new { name, email, phone }).ToUrl("/api/customers");
            s.StatusCodeShouldBe(201);
        });
        return (await result.Body()).GetProperty("id").GetGuid();
    }

    /// <summary>Registers a customer from a full body (any fields) and answers the new id.</summary>
    public static async Task<Guid> RegisterWith(this AppFixture app, object body)
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Post.Json(body).ToUrl("/api/customers");
            s.StatusCodeShouldBe(201);
        });
        return (await result.Body()).GetProperty("id").GetGuid();
    }

    /// <summary>POST /api/customers/{id}/{action}, whatever the answer.</summary>
    public static Task<IScenarioResult> Command(this AppFixture app, Guid id, string action, object body,
        string? token = null) =>
        app.Host.Scenario(s =>
        {
            s.WithBearerToken(token ?? app.TokenFor("sam", Roles.Sales));
            s.Post.Json(body).ToUrl($"/api/customers/{id}/{action}");
            s.IgnoreStatusCode();
        });

    /// <summary>A command that must succeed; answers the new version.</summary>
    public static async Task<int> Succeed(this AppFixture app, Guid id, string action, object body)
    {
        var result = await app.Command(id, action, body);
        result.Context.Response.StatusCode.ShouldBe(200, await result.ReadAsTextAsync());
        return (await result.Body()).GetProperty("version").GetInt32();
    }

    public static Task<IScenarioResult> ChangeContact(this AppFixture app, Guid id, object body, string? token = null) =>
        app.Host.Scenario(s =>
        {
            s.WithBearerToken(token ?? app.TokenFor("sam", Roles.Sales));
            s.Post.Json(body).ToUrl($"/api/customers/{id}/contact-details");
            s.IgnoreStatusCode();
        });

    public static async Task<JsonElement> Profile(this AppFixture app, Guid id)
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("sam", Roles.Sales));
            s.Get.Url($"/api/customers/{id}");
        });
        return await result.Body();
    }

    /// <summary>Every stored profile's JSON and revision, exactly as PostgreSQL holds them, in id order.</summary>
    public static async Task<SortedDictionary<Guid, string>> StoredProfiles(this AppFixture app)
    {
        var dataSource = app.Host.Services.GetRequiredService<NpgsqlDataSource>();
        await using var command = dataSource.CreateCommand(
            $"select id, data::text || ' @' || mt_version from {app.Names.Table<CustomerProfile>()}");
        await using var reader = await command.ExecuteReaderAsync();
        var profiles = new SortedDictionary<Guid, string>();
        while (await reader.ReadAsync()) profiles[reader.GetGuid(0)] = reader.GetString(1);
        return profiles;
    }

    public static async Task<JsonElement> History(this AppFixture app, Guid id)
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor("audrey", Roles.Auditor));
            s.Get.Url($"/api/customers/{id}/history");
        });
        return (await result.Body()).GetProperty("items");
    }
}
