using Genlook.Gateway.Storage;
using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics.Metrics;

namespace Genlook.Gateway.Tests.Infrastructure;

public static class TestTelemetry
{
    /// <summary>A throwaway meter factory, for tests that build components by hand.</summary>
    public static IMeterFactory MeterFactory() =>
        new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();

    /// <summary>The store's instruments on a throwaway meter factory.</summary>
    internal static StorageMetrics Storage() => new(MeterFactory());

    /// <summary>A Redis store built by hand, as the gateway builds it (outages logged nowhere).</summary>
    internal static RedisGatewayStore RedisStore(StackExchange.Redis.IConnectionMultiplexer redis)
    {
        var metrics = Storage();
        return new(redis, metrics, new StoreOutage(Microsoft.Extensions.Logging.Abstractions.NullLogger<StoreOutage>.Instance, metrics, TimeProvider.System),
            TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<RedisGatewayStore>.Instance);
    }
}
