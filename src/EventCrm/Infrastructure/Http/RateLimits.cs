using Marten;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Weasel.Postgresql.Tables;

namespace EventCrm.Infrastructure.Http;

/// <summary>How many requests one key (a client address and a form, say) may make in a window.</summary>
public sealed record RateLimitRule(string Key, int Limit, TimeSpan Window);

/// <summary>Puts an endpoint under a rate-limit policy registered with <see cref="RateLimits.AddRateLimits"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RateLimitedAttribute(string policy) : Attribute
{
    public string Policy { get; } = policy;
}

/// <summary>
/// Rate limits counted in PostgreSQL, so that they hold for the cluster, not per node: every node (and every
/// balancer in front) sees the same count. A fixed window per key starts with its first request; a request over
/// the limit is a 429 with <c>Retry-After</c> saying when the window ends. One upsert per limited request.
/// </summary>
public static class RateLimits
{
    /// <summary>Adds policies; each module that has limited endpoints adds its own, to the one set.</summary>
    public static IServiceCollection AddRateLimits(this IServiceCollection services, Action<RateLimitPolicies> configure)
    {
        if (services.FirstOrDefault(service => service.ServiceType == typeof(RateLimitPolicies))?.ImplementationInstance
            is not RateLimitPolicies policies)
        {
            policies = new RateLimitPolicies();
            services.AddSingleton(policies);
            services.AddSingleton<RateLimitCounters>();
            services.ConfigureMarten(options => options.Storage.ExtendedSchemaObjects.Add(RateLimitCounters.Table()));
        }
        configure(policies);
        return services;
    }

    public static void UseRateLimits(this WebApplication app) => app.UseMiddleware<RateLimitMiddleware>();

    internal static Task WriteTooManyRequests(HttpContext http, TimeSpan retryAfter)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails
            {
                Type = "urn:eventcrm:problem:too-many-requests",
                Title = "Too many requests.",
                Status = StatusCodes.Status429TooManyRequests,
                Detail = $"Slow down and try again in {seconds} s.",
            },
        }).AsTask();
    }
}

/// <summary>The named rules: a function from the request to its key, limit and window.</summary>
public sealed class RateLimitPolicies
{
    private readonly Dictionary<string, Func<HttpContext, RateLimitRule>> _policies = new(StringComparer.Ordinal);

    public RateLimitPolicies Add(string name, Func<HttpContext, RateLimitRule> rule)
    {
        _policies.Add(name, rule);
        return this;
    }

    internal Func<HttpContext, RateLimitRule> this[string name] => _policies.TryGetValue(name, out var rule)
        ? rule
        : throw new InvalidOperationException($"No rate-limit policy is named '{name}'.");
}

internal sealed class RateLimitMiddleware(RequestDelegate next, RateLimitPolicies policies, RateLimitCounters counters)
{
    public async Task InvokeAsync(HttpContext http)
    {
        if (http.GetEndpoint()?.Metadata.GetMetadata<RateLimitedAttribute>() is { } limited)
        {
            var rule = policies[limited.Policy](http);
            if (await counters.Hit(rule, http.RequestAborted) is { } retryAfter)
            {
                await RateLimits.WriteTooManyRequests(http, retryAfter);
                return;
            }
        }
        await next(http);
    }
}

/// <summary>The counters: one row per key with its window's end and hits, on the database's clock.</summary>
internal sealed class RateLimitCounters(NpgsqlDataSource database)
{
    private const string Counters = $"{Storage.Schemas.Crm}.rate_limit_windows";

    public static Table Table()
    {
        var table = new Table(Counters);
        table.AddColumn<string>("key").AsPrimaryKey();
        table.AddColumn<DateTimeOffset>("ends_at").NotNull();
        table.AddColumn<int>("hits").NotNull();
        table.Indexes.Add(new IndexDefinition("ix_rate_limit_windows_ends_at") { Columns = ["ends_at"] });
        return table;
    }

    /// <summary>Counts a request; answers how long until the window ends when it is over the limit, else null.</summary>
    public async Task<TimeSpan?> Hit(RateLimitRule rule, CancellationToken cancellation)
    {
        await using var batch = database.CreateBatch();
        // Ended windows go a few at a time, skipping rows another request holds: no deadlocks, no sweeping job.
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
            delete from {Counters} where key in
                (select key from {Counters} where ends_at < now() - interval '1 minute' limit 20 for update skip locked)
            """));
        var hit = new NpgsqlBatchCommand($"""
            insert into {Counters} as w (key, ends_at, hits) values ($1, now() + $2, 1)
            on conflict (key) do update set
                hits = case when w.ends_at <= now() then 1 else w.hits + 1 end,
                ends_at = case when w.ends_at <= now() then now() + $2 else w.ends_at end
            returning hits, extract(epoch from ends_at - now())
            """);
        hit.Parameters.Add(new NpgsqlParameter { Value = rule.Key });
        hit.Parameters.Add(new NpgsqlParameter { Value = rule.Window });
        batch.BatchCommands.Add(hit);
        // The reader starts at the first statement that returns rows: the upsert's.
        await using var reader = await batch.ExecuteReaderAsync(cancellation);
        await reader.ReadAsync(cancellation);
        var hits = reader.GetInt32(0);
        return hits > rule.Limit ? TimeSpan.FromSeconds((double)reader.GetDecimal(1)) : null;
    }
}
