using Microsoft.Extensions.Options;

namespace EventCrm.Infrastructure;

public static class Settings
{
    /// <summary>
    /// Binds <typeparamref name="T"/> to configuration section <paramref name="section"/> as options, and offers the
    /// bound value itself to handlers and to the store's configuration. Read from the built configuration, so that
    /// every source counts (environment, a test host's settings), never from configuration captured while
    /// registering.
    /// </summary>
    public static IServiceCollection AddSettings<T>(this IServiceCollection services, string section) where T : class
    {
        services.AddOptions<T>().BindConfiguration(section);
        // A singleton: Wolverine resolves it once for the generated handlers, no service location per request.
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<T>>().Value);
        return services;
    }
}
