using EventCrm.Infrastructure;
using Marten;
using Microsoft.AspNetCore.Http.Features;

namespace EventCrm.Imports;

/// <summary>The imports context: its limits, its part of the store, and the services that read and apply files.</summary>
public static class ImportsModule
{
    public static IServiceCollection AddImports(this IServiceCollection services)
    {
        services.AddSettings<ImportRules>(ImportRules.Section);
        services.ConfigureMarten((StoreOptions store) => ImportStorage.Configure(store));
        services.AddSingleton<ImportFiles>();
        services.AddSingleton<ImportQueries>();
        services.AddSingleton<CustomerImport>();
        services.AddSingleton<PurchaseImport>();
        services.AddSingleton<ImportRunner>();
        services.AddSingleton<ImportReverter>();
        services.AddSingleton<ImportStarter>();
        services.Configure<FormOptions>(form => form.MultipartBodyLengthLimit = ImportRules.MaxFileBytes);
        return services;
    }
}
