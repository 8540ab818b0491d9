using System.Threading.RateLimiting;
using EventCrm.Customers;
using EventCrm.Sales;

namespace EventCrm.Infrastructure;

/// <summary>Settings the bounded contexts read, bound once from configuration.</summary>
public static class CrmDomain
{
    public static IServiceCollection AddCrmDomain(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(CustomerRules.From(configuration));
        services.AddSingleton(Service.ServiceRules.From(configuration));
        var sales = SalesRules.From(configuration);
        services.AddSingleton(sales);

        // Web forms are public: each client address may send a few leads a minute to each form.
        services.AddRateLimiter(limiter => limiter.AddPolicy(CaptureWebFormLeadEndpoint.RateLimitPolicy, http =>
            RateLimitPartition.GetFixedWindowLimiter(
                $"{http.Connection.RemoteIpAddress}|{http.GetRouteValue("formKey")}",
                _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = sales.WebFormLeadsPerMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                })));
        return services;
    }
}
