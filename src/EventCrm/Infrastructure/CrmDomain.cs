using EventCrm.Customers;

namespace EventCrm.Infrastructure;

/// <summary>Settings the bounded contexts read, bound once from configuration.</summary>
public static class CrmDomain
{
    public static IServiceCollection AddCrmDomain(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(CustomerRules.From(configuration));
        return services;
    }
}
