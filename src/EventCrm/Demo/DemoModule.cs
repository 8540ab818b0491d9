namespace EventCrm.Demo;

/// <summary>The demo data: the <c>seed</c> verb, and the first start of a development instance.</summary>
public static class DemoModule
{
    public static IServiceCollection AddDemo(this IServiceCollection services)
    {
        services.AddHostedService<DemoFirstStart>();
        return services;
    }
}
