using Microsoft.Extensions.Caching.Memory;
using Genlook.Gateway.Storage;
using Microsoft.Extensions.Options;

namespace Genlook.Gateway.Caching;

public static class CachingExtensions
{
    /// <summary>
    /// The generation status cache (CONTRACT §7): options, its own size-bounded L1 (which a GDPR erase empties of the
    /// user's statuses), the shared store as L2.
    /// </summary>
    public static WebApplicationBuilder AddGatewayCaching(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<CachingOptions>().BindConfiguration(CachingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => new GenerationStatusCache(
            sp.GetRequiredService<Storage.IGatewayStore>(),
            // Its own L1, bounded (32 MB of bodies), not the app-wide IMemoryCache.
            new MemoryCache(new MemoryCacheOptions { SizeLimit = 32 * 1024 * 1024 }),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<CachingOptions>>()));
        services.AddSingleton<Gdpr.IUserDataEraser>(sp => sp.GetRequiredService<GenerationStatusCache>());
        services.AddSingleton<CachingMetrics>();

        // The watch (CONTRACT §7): one hub per instance, its poller's upstream client, and the bus between instances.
        services.AddSingleton<WatchMetrics>();
        services.AddSingleton<GenlookStatusClient>();
        services.AddHttpClient(GenlookStatusClient.HttpClientName, (sp, client) =>
            {
                client.Timeout = sp.GetRequiredService<IOptions<Proxy.GenlookOptions>>().Value.Timeout;
                client.MaxResponseContentBufferSize = GenlookStatusClient.MaxBodyBytes;
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AutomaticDecompression = System.Net.DecompressionMethods.None,
                UseCookies = false,
                AllowAutoRedirect = false,
            });
        if (builder.UsesRedis())
        {
            services.AddSingleton<IWatchBus>(sp => new RedisWatchBus(sp.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>()));
        }
        else
        {
            services.AddSingleton<IWatchBus>(sp => new InMemoryWatchBus(sp.GetRequiredService<TimeProvider>()));
        }

        services.AddSingleton<GenerationWatchHub>();
        services.AddHostedService(sp => sp.GetRequiredService<GenerationWatchHub>());
        return builder;
    }
}
