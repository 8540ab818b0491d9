using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using NpgsqlTypes;

namespace EventCrm.Benchmarks;

/// <summary>
/// What a buyer would pick instead: a plain CRUD CRM with an audit table, as an ASP.NET Core minimal API that
/// does the same three commands the application does, on the same routes and with the same client. Each command
/// is one transaction that reads the customer row (locked), checks its version, updates it, and inserts an audit
/// row (and a purchase row, and for a purchase claims its idempotency key first), on a table with the same
/// indexes as the customer profile. It checks the same bearer tokens. It runs in a process of its own, as the
/// application does (<c>EventCrm.Benchmarks.dll peer</c>), with ASP.NET Core's default production logging: it
/// writes no line per request, the application does.
/// </summary>
public static class CrudPeer
{
    public const string Schema = """
        create extension if not exists pg_trgm;
        create schema if not exists peer;
        drop table if exists peer.customers, peer.purchases, peer.audit, peer.idempotency;
        create table peer.customers (
            id uuid primary key, version int not null, name text not null, email text, phone text,
            status text not null, country text, owner text, age int, annual_income numeric, acquisition_source text,
            tags text[] not null default '{}', total_spent numeric not null default 0, purchases int not null default 0,
            registered_at timestamptz not null, last_purchase_at timestamptz, updated_at timestamptz not null);
        -- the customer profile's indexes, one for one
        create unique index on peer.customers (email text_pattern_ops);
        create index on peer.customers using gin (lower(name) gin_trgm_ops);
        create index on peer.customers (name);
        create index on peer.customers (status);
        create index on peer.customers (country);
        create index on peer.customers (owner);
        create index on peer.customers (total_spent);
        create index on peer.customers (registered_at);
        create index on peer.customers (last_purchase_at);
        create index on peer.customers (phone);
        create index on peer.customers using gin (tags);
        create table peer.purchases (
            id uuid primary key, customer_id uuid not null, amount numeric not null, currency text not null,
            product text, category text, purchased_at timestamptz not null);
        create index on peer.purchases (customer_id);
        create table peer.audit (
            id bigserial primary key, customer_id uuid not null, action text not null, actor text not null,
            at timestamptz not null, data jsonb not null);
        create index on peer.audit (customer_id, at);
        create table peer.idempotency (key text primary key, answer jsonb, at timestamptz not null);
        """;

    /// <summary>Creates the peer's tables in the database, then starts it in a process of its own.</summary>
    public static async Task<Peer> Start(string connectionString)
    {
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(Schema, connection);
            await command.ExecuteNonQueryAsync();
        }
        var address = new Uri($"http://127.0.0.1:{FreePort()}");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(CrudPeer).Assembly.Location);
        start.ArgumentList.Add("peer");
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(address.ToString());
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ConnectionStrings__Postgres"] = connectionString;
        var process = Process.Start(start)!;
        var errors = new StringBuilder();
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { lock (errors) errors.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var peer = new Peer(process, address);
        using var client = new HttpClient { BaseAddress = address };
        for (var deadline = DateTime.UtcNow.AddMinutes(1); DateTime.UtcNow < deadline; await Task.Delay(100))
        {
            if (process.HasExited) throw new InvalidOperationException($"The CRUD peer exited while starting: {errors}");
            try
            {
                if ((await client.GetAsync("/health")).StatusCode == HttpStatusCode.OK) return peer;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
        }
        await peer.DisposeAsync();
        throw new TimeoutException("The CRUD peer was not ready within a minute.");
    }

    public sealed class Peer(Process process, Uri address) : IAsyncDisposable
    {
        public Uri Address { get; } = address;

        public async ValueTask DisposeAsync()
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            process.Dispose();
        }
    }

    /// <summary>The peer's own process: <c>EventCrm.Benchmarks.dll peer --urls …</c>.</summary>
    public static async Task Serve(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        // What a production deployment of such an API logs: warnings and errors, no line per request.
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var database = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(builder.Configuration.GetConnectionString("Postgres")) { MaxPoolSize = 128 }.ConnectionString);
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(jwt =>
        {
            jwt.MapInboundClaims = false;
            jwt.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = "eventcrm",
                ValidAudience = "eventcrm-api",
                IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(AppProcess.SigningKey)),
                NameClaimType = "name",
                RoleClaimType = "role",
            };
        });
        builder.Services.AddAuthorization();
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/health", () => "ok");
        var customers = app.MapGroup("/api/customers").RequireAuthorization(p => p.RequireRole("sales", "admin"));
        customers.MapPost("", (Registration body, ClaimsPrincipal user) => Register(database, body, User(user)));
        customers.MapPost("/{id:guid}/purchases", (Guid id, Purchase body, HttpRequest request, ClaimsPrincipal user) =>
            RecordPurchase(database, id, body, request.Headers["Idempotency-Key"].ToString(), User(user)));
        customers.MapPost("/{id:guid}/contact-details", (Guid id, ContactChange body, ClaimsPrincipal user) =>
            ChangeEmail(database, id, body, User(user)));
        await app.RunAsync();
    }

    public sealed record Registration(string? Name, string? Email, int? Age, decimal? AnnualIncome, string? Country, string? AcquisitionSource);
    public sealed record Purchase(int Version, decimal Amount, string? Currency, string? Product, string? Category);
    public sealed record ContactChange(int Version, string? Email);

    private static string User(ClaimsPrincipal user) => user.FindFirstValue("name") ?? user.FindFirstValue("sub") ?? "unknown";

    private static async Task<IResult> Register(NpgsqlDataSource database, Registration body, string user)
    {
        if (string.IsNullOrWhiteSpace(body.Name) || body.Email is not { Length: > 3 } email || !email.Contains('@'))
            return Results.Problem(statusCode: 400, title: "A customer needs a name and an e-mail address.");
        var id = Guid.CreateVersion7();
        var now = DateTimeOffset.UtcNow;
        await using var connection = await database.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Batched("""
            insert into peer.customers (id, version, name, email, status, country, age, annual_income, acquisition_source, registered_at, updated_at)
            values ($1, 1, $2, $3, 'active', $4, $5, $6, $7, $8, $8) on conflict do nothing
            """, id, body.Name.Trim(), email.Trim().ToLowerInvariant(), body.Country, body.Age, body.AnnualIncome, body.AcquisitionSource, now));
        batch.BatchCommands.Add(Audit(id, "registered", user, now, body));
        await using (batch)
            if (await batch.ExecuteNonQueryAsync() < 2)
                return Results.Problem(statusCode: 409, title: "The e-mail address belongs to another customer.");
        await transaction.CommitAsync();
        return Results.Created($"/api/customers/{id}", new { id, version = 1 });
    }

    private static async Task<IResult> RecordPurchase(NpgsqlDataSource database, Guid id, Purchase body, string key, string user)
    {
        if (body.Amount <= 0 || body.Currency is not { Length: 3 })
            return Results.Problem(statusCode: 400, title: "A purchase needs a positive amount and a currency.");
        var now = DateTimeOffset.UtcNow;
        await using var connection = await database.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        if (key.Length > 0)
        {
            // The key is claimed in the command's own transaction; a retry after the commit gets the first answer.
            await using var claim = Sql(connection, "insert into peer.idempotency (key, at) values ($1, $2) on conflict do nothing", key, now);
            if (await claim.ExecuteNonQueryAsync() == 0)
            {
                await using var answer = Sql(connection, "select answer::text from peer.idempotency where key = $1", key);
                return Results.Text((string?)await answer.ExecuteScalarAsync() ?? "{}", "application/json");
            }
        }
        if (await LockedVersion(connection, id) is not { } version) return Results.NotFound();
        if (version != body.Version) return Results.Problem(statusCode: 409, title: $"The customer is at version {version}, not {body.Version}.");
        var purchase = Guid.CreateVersion7();
        var reply = new { purchaseId = purchase, version = version + 1 };
        var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Batched("update peer.customers set version = version + 1, total_spent = total_spent + $2, purchases = purchases + 1, last_purchase_at = $3, updated_at = $3 where id = $1", id, body.Amount, now));
        batch.BatchCommands.Add(Batched("insert into peer.purchases values ($1, $2, $3, $4, $5, $6, $7)", purchase, id, body.Amount, body.Currency, body.Product, body.Category, now));
        batch.BatchCommands.Add(Audit(id, "purchase recorded", user, now, body));
        if (key.Length > 0) batch.BatchCommands.Add(Batched("update peer.idempotency set answer = $2::jsonb where key = $1", key, Json(reply)));
        await using (batch) await batch.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
        return Results.Ok(reply);
    }

    private static async Task<IResult> ChangeEmail(NpgsqlDataSource database, Guid id, ContactChange body, string user)
    {
        if (body.Email is not { Length: > 3 } email || !email.Contains('@'))
            return Results.Problem(statusCode: 400, title: "That is not an e-mail address.");
        var now = DateTimeOffset.UtcNow;
        await using var connection = await database.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        if (await LockedVersion(connection, id) is not { } version) return Results.NotFound();
        if (version != body.Version) return Results.Problem(statusCode: 409, title: $"The customer is at version {version}, not {body.Version}.");
        var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Batched("update peer.customers set version = version + 1, email = $2, updated_at = $3 where id = $1", id, email.Trim().ToLowerInvariant(), now));
        batch.BatchCommands.Add(Audit(id, "contact details changed", user, now, body));
        await using (batch) await batch.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
        return Results.Ok(new { version = version + 1 });
    }

    private static async Task<int?> LockedVersion(NpgsqlConnection connection, Guid id)
    {
        await using var read = Sql(connection, "select version from peer.customers where id = $1 for update", id);
        return (int?)await read.ExecuteScalarAsync();
    }

    private static NpgsqlBatchCommand Audit(Guid id, string action, string user, DateTimeOffset now, object data)
    {
        var command = Batched("insert into peer.audit (customer_id, action, actor, at, data) values ($1, $2, $3, $4, $5)", id, action, user, now);
        command.Parameters.Add(new NpgsqlParameter { Value = Json(data), NpgsqlDbType = NpgsqlDbType.Jsonb });
        return command;
    }

    private static string Json(object value) => JsonSerializer.Serialize(value, value.GetType(), JsonSerializerOptions.Web);

    private static NpgsqlBatchCommand Batched(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        return command;
    }

    private static NpgsqlCommand Sql(NpgsqlConnection connection, string sql, params object?[] values)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        return command;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
