using Genlook.Gateway.Storage;
using Microsoft.Extensions.Http.Resilience;

namespace Genlook.Gateway.Gdpr;

public static class GdprExtensions
{
    /// <summary>
    /// Durable erase jobs (Redis Streams, or in memory), the worker on every instance, the announcement of erases to
    /// every instance (Redis pub/sub, or in process), and the resilient Genlook client.
    /// </summary>
    public static WebApplicationBuilder AddGatewayGdpr(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<GdprOptions>().BindConfiguration(GdprOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<InProcessUserData>();
        if (!builder.UsesRedis())
        {
            services.AddSingleton<IGdprQueue, InMemoryGdprQueue>();
            services.AddSingleton<IErasureBroadcast, LocalErasureBroadcast>();
        }
        else
        {
            services.AddSingleton<IGdprQueue, RedisGdprQueue>();
            services.AddSingleton<RedisErasureBroadcast>();
            services.AddSingleton<IErasureBroadcast>(sp => sp.GetRequiredService<RedisErasureBroadcast>());

            // Subscribed at start-up, so every instance hears of every erase from its first request on.
            services.AddHostedService(sp => sp.GetRequiredService<RedisErasureBroadcast>());
        }

        services.AddSingleton<GdprJobStore>();
        services.AddSingleton<GdprEraser>();
        services.AddSingleton<GdprJobAcceptor>();
        services.AddSingleton<GdprMetrics>();
        services.AddHostedService<GdprWorker>();
        services.AddHttpClient(GdprEraser.HttpClientName)
            .AddStandardResilienceHandler(resilience =>
            {
                resilience.AttemptTimeout.Timeout = TimeSpan.FromSeconds(10);
                resilience.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(30);
                resilience.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(20);
                resilience.Retry.MaxRetryAttempts = 2;
            })
            // One circuit per Genlook host: a failing account must not hold back the others.
            .SelectPipelineByAuthority();
        return builder;
    }
}
