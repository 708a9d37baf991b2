using Genlook.Gateway.Observability;
using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics.Metrics;

namespace Genlook.Gateway.Tests.Infrastructure;

public static class TestTelemetry
{
    /// <summary>The gateway's instruments on a throwaway meter factory, for tests that build components by hand.</summary>
    public static GatewayTelemetry Create() =>
        new(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>());

    /// <summary>A Redis store built by hand, as the gateway builds it (outages logged nowhere).</summary>
    internal static Gateway.Storage.RedisGatewayStore RedisStore(StackExchange.Redis.IConnectionMultiplexer redis)
    {
        var telemetry = Create();
        return new(redis, telemetry, new Gateway.Storage.StoreOutage(Microsoft.Extensions.Logging.Abstractions.NullLogger<Gateway.Storage.StoreOutage>.Instance, telemetry, TimeProvider.System),
            TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<Gateway.Storage.RedisGatewayStore>.Instance);
    }
}
