using Genlook.Gateway.Observability;
using Microsoft.Extensions.Http.Resilience;

namespace Genlook.Gateway.Gdpr;

public static class GdprExtensions
{
    /// <summary>Durable erase jobs (Redis Streams, or in memory), the worker on every instance, and the resilient Genlook client.</summary>
    public static WebApplicationBuilder AddGatewayGdpr(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<GdprOptions>().BindConfiguration(GdprOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        if (string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("Redis")))
        {
            services.AddSingleton<IGdprQueue, InMemoryGdprQueue>();
        }
        else
        {
            services.AddSingleton<IGdprQueue, RedisGdprQueue>();
        }

        services.AddSingleton<GdprJobStore>();
        services.AddSingleton<GdprEraser>();
        services.AddSingleton<GdprService>();
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
