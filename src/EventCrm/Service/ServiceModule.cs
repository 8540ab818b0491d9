using EventCrm.Infrastructure;
using Marten;

namespace EventCrm.Service;

/// <summary>The service context: its settings (SLA targets, escalation) and its part of the store.</summary>
public static class ServiceModule
{
    public static IServiceCollection AddService(this IServiceCollection services)
    {
        services.AddSettings<ServiceRules>(ServiceRules.Section);
        services.ConfigureMarten((StoreOptions store) => ServiceStorage.Configure(store));
        services.AddApiTag("Tickets", "Customer service: tickets, their SLA clock, breaches and escalation.", 300);
        return services;
    }
}
