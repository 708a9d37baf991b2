using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Genlook.Gateway.Storage;

public static partial class StorageExtensions
{
    /// <summary>
    /// <c>ConnectionStrings:Redis</c> set: the shared Redis store (one multiplexer, short timeouts, never aborting on a
    /// failed first connect so the gateway starts and recovers with Redis). Empty: the in-memory store, with a warning.
    /// Either way a store outage anywhere answers <c>503 STORE_UNAVAILABLE</c> (<see cref="StoreUnavailableExceptionHandler"/>).
    /// </summary>
    public static WebApplicationBuilder AddGatewayStorage(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.TryAddSingletonTimeProvider();
        services.AddSingleton<StorageMetrics>();
        services.AddSingleton<StoreOutage>();
        services.AddExceptionHandler<StoreUnavailableExceptionHandler>();
        var connectionString = RedisConnectionString(builder.Configuration);
        if (connectionString is null)
        {
            services.AddSingleton<IGatewayStore, InMemoryGatewayStore>();
            services.AddHostedService<InMemoryStoreWarning>();
        }
        else
        {
            var options = CreateRedisOptions(connectionString);
            services.AddSingleton<IConnectionMultiplexer>(sp =>
            {
                var multiplexer = ConnectionMultiplexer.Connect(options);
                return multiplexer;
            });
            services.AddSingleton<IGatewayStore, RedisGatewayStore>();

            // Connect at start-up rather than on the first request, so readiness turns green as early as possible.
            services.AddHostedService<RedisConnector>();
        }

        services.AddHealthChecks().AddCheck<StoreHealthCheck>("store", tags: ["ready"]);
        return builder;
    }

    /// <summary>Redis or memory, for every feature with shared state: decided here only, from <c>ConnectionStrings:Redis</c>.</summary>
    public static bool UsesRedis(this WebApplicationBuilder builder) => RedisConnectionString(builder.Configuration) is not null;

    private static string? RedisConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString("Redis") is { } value && !string.IsNullOrWhiteSpace(value) ? value : null;

    /// <summary>Parses the connection string; defaults tuned so a dead Redis is noticed in about a second, not five.</summary>
    internal static ConfigurationOptions CreateRedisOptions(string connectionString)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = false;
        if (!connectionString.Contains("connectTimeout", StringComparison.OrdinalIgnoreCase))
        {
            options.ConnectTimeout = 1000;
        }

        if (!connectionString.Contains("asyncTimeout", StringComparison.OrdinalIgnoreCase))
        {
            options.AsyncTimeout = 1000;
        }

        if (!connectionString.Contains("syncTimeout", StringComparison.OrdinalIgnoreCase))
        {
            options.SyncTimeout = 1000;
        }

        options.ClientName ??= "genlook-gateway";
        return options;
    }

    private static void TryAddSingletonTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }

    private sealed class RedisConnector(IServiceProvider services) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ = services.GetRequiredService<IGatewayStore>();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class StoreHealthCheck(IGatewayStore store) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var latency = await store.PingAsync(cancellationToken);
                return HealthCheckResult.Healthy($"store answered in {latency.TotalMilliseconds:0.0} ms");
            }
            catch (StoreUnavailableException ex)
            {
                return HealthCheckResult.Unhealthy(ex.Message);
            }
        }
    }

    private sealed partial class InMemoryStoreWarning(ILogger<InMemoryStoreWarning> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            LogInMemory(logger);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(2001, LogLevel.Warning, "ConnectionStrings:Redis is empty: using the in-memory store. State is per process and lost on restart; run a single instance only.")]
        private static partial void LogInMemory(ILogger logger);
    }
}
