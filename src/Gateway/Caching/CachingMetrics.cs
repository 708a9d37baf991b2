using System.Diagnostics.Metrics;
using Genlook.Gateway.Observability;

namespace Genlook.Gateway.Caching;

/// <summary>
/// The status cache's instrument: its lookups.
/// On the gateway's meter (<c>Genlook.Gateway</c>), created from <see cref="IMeterFactory"/>.
/// </summary>
internal sealed class CachingMetrics
{
    public CachingMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(GatewayTelemetry.Name);
        Lookups = meter.CreateCounter<long>("gateway.cache.lookups", "{lookup}", "Generation status cache lookups by result (hit, miss).");
    }

    /// <summary><c>gateway.cache.lookups</c>, tagged <c>cache.result</c> (hit, miss).</summary>
    public Counter<long> Lookups { get; }
}
