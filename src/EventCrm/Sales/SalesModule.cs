using EventCrm.Audit;
using EventCrm.Infrastructure;
using EventCrm.Infrastructure.Http;
using Marten;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EventCrm.Sales;

/// <summary>The sales context: its settings, its part of the store, the web forms' rate limit.</summary>
public static class SalesModule
{
    public static IServiceCollection AddSales(this IServiceCollection services)
    {
        services.AddSettings<SalesRules>(SalesRules.Section);
        services.ConfigureMarten((StoreOptions store) => SalesStorage.Configure(store));
        services.AddApiTag("Leads", "Prospects before they are customers: captured by the API or public web forms, qualified, converted.", 200)
            .AddApiTag("Opportunities", "Deals being worked on, through their stages to won or lost.", 210)
            .AddApiTag("Activities", "Calls, meetings, e-mails, notes and tasks about a customer, lead or opportunity.", 220)
            .AddApiTag("Reports", "Pipeline (now or as of a date), funnel, forecast and service levels.", 500);
        services.AddErasureRules(LeadErasure.Configure);
        // Replaced by the models context when it is composed.
        services.TryAddSingleton<IWinProbabilities, StageWeightsOnly>();
        services.TryAddSingleton<ICampaignCodes, NoCampaignCodes>();

        // Web forms are public: each client address may send a few leads a minute to each form, across the nodes.
        services.AddRateLimits(policies => policies.Add(CaptureWebFormLeadEndpoint.RateLimitPolicy, http =>
            new RateLimitRule($"web-form|{http.Connection.RemoteIpAddress}|{http.GetRouteValue("formKey")}",
                http.RequestServices.GetRequiredService<SalesRules>().WebFormLeadsPerMinute, TimeSpan.FromMinutes(1))));
        return services;
    }
}
