using EventCrm.Audit;
using EventCrm.Infrastructure;
using EventCrm.Infrastructure.Jobs;
using Marten;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EventCrm.Customers;

/// <summary>The customer context: its settings, its part of the store, the duplicate scan.</summary>
public static class CustomersModule
{
    public static IServiceCollection AddCustomers(this IServiceCollection services)
    {
        services.AddSettings<CustomerRules>(CustomerRules.Section);
        services.ConfigureMarten((IServiceProvider provider, StoreOptions store) =>
            CustomerStorage.Configure(store, provider.GetRequiredService<CustomerRules>()));
        services.AddErasureRules(CustomerErasure.Configure);
        services.AddRecurringJob<DuplicateScan>(DuplicateScan.JobId, "Jobs:ScanDuplicatesCron", "40 * * * *",
            scan => scan.Run(CancellationToken.None));
        services.AddApiTag("Customers", "Customer data: registration, contact details, demographics, tags, owner, purchases, consents, merge, erasure; profiles, lists, history and subject access exports.", 100);
        // Claims for profiles that have none (a database from before the claims table).
        services.AddHostedService<EmailOwnership.FillOnStart>();
        // Replaced by the models context when it is composed.
        services.TryAddSingleton<ICustomerScores, NoCustomerScores>();
        return services;
    }
}
