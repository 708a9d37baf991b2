using System.Diagnostics.Metrics;
using Genlook.Gateway.Observability;
using StackExchange.Redis;

namespace Genlook.Gateway.Storage;

/// <summary>
/// The store's instruments: calls that failed because the store could not serve, and whether Redis is connected.
/// On the gateway's meter (<c>Genlook.Gateway</c>), created from <see cref="IMeterFactory"/>.
/// </summary>
internal sealed class StorageMetrics
{
    private readonly Meter _meter;

    public StorageMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(GatewayTelemetry.Name);
        Failures = _meter.CreateCounter<long>("gateway.store.failures", "{call}",
            "Store (Redis) calls that failed because the store could not serve (an outage, answered 503 or served by a fallback), by error.type.");
    }

    /// <summary><c>gateway.store.failures</c>, tagged <c>error.type</c>.</summary>
    public Counter<long> Failures { get; }

    /// <summary><c>gateway.redis.available</c>: observed by the Redis store, the one part that holds the connection.</summary>
    public void ObserveRedis(IConnectionMultiplexer redis) =>
        _meter.CreateObservableGauge("gateway.redis.available", () => redis.IsConnected ? 1 : 0, "{bool}",
            "1 while the gateway's Redis connection is up, 0 while it is down.");
}
