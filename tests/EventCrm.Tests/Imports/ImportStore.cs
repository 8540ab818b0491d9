using System.Text;
using Alba;
using EventCrm.Infrastructure.Security;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventCrm.Tests.Imports;

/// <summary>Sends an upload exactly as given (bytes and Content-Type), and reads what the store kept of it.</summary>
public static class ImportStore
{
    /// <summary>POST these bytes with this Content-Type, tagged with a correlation id of its own.</summary>
    public static async Task<(IScenarioResult Result, string CorrelationId)> Upload(this AppFixture app, string kind, string? contentType, byte[] body)
    {
        var correlationId = $"upload-{Guid.NewGuid():N}";
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor(ImportApi.Importer, Roles.Sales));
            s.WithRequestHeader("X-Correlation-Id", correlationId);
            s.Post.Url($"/api/imports/{kind}");
            s.ConfigureHttpContext(http =>
            {
                http.Request.Body = new MemoryStream(body);
                http.Request.ContentLength = body.Length;
                http.Request.ContentType = contentType;
            });
            s.IgnoreStatusCode();
        });
        return (result, correlationId);
    }

    public static Task<(IScenarioResult Result, string CorrelationId)> Upload(this AppFixture app, string kind, string? contentType, string body) =>
        app.Upload(kind, contentType, Encoding.UTF8.GetBytes(body));

    /// <summary>The events a request appended (by its correlation id), of any stream.</summary>
    public static async Task<long> EventsOf(this AppFixture app, string correlationId)
    {
        var database = app.Host.Services.GetRequiredService<NpgsqlDataSource>();
        await using var command = database.CreateCommand($"select count(*) from {app.Names.Events} where correlation_id = $1");
        command.Parameters.AddWithValue(correlationId);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Pieces of uploaded files the store holds, of every import.</summary>
    public static async Task<long> StoredPieces(this AppFixture app)
    {
        var database = app.Host.Services.GetRequiredService<NpgsqlDataSource>();
        await using var command = database.CreateCommand("select count(*) from crm.import_file_pieces");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>A multipart/form-data body with the file in 'file', framed with the given boundary.</summary>
    public static byte[] Multipart(string boundary, string file, string fileName = "people.csv", bool closed = true, string extraHeaders = "") =>
        Encoding.UTF8.GetBytes(
            $"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{fileName}\"\r\nContent-Type: text/csv\r\n{extraHeaders}\r\n{file}\r\n" +
            (closed ? $"--{boundary}--\r\n" : ""));
}
