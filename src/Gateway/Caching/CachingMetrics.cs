using System.Diagnostics.Metrics;
using Genlook.Gateway.Observability;

namespace Genlook.Gateway.Caching;

/// <summary>The status cache's signals, on the gateway's meter (<c>Genlook.Gateway</c>) from <see cref="IMeterFactory"/>.</summary>
internal sealed class CachingMetrics(IMeterFactory meterFactory)
{
    private readonly Counter<long> _lookups = meterFactory.Create(GatewayTelemetry.Name).CreateCounter<long>(
        "gateway.cache.lookups", "{lookup}", "Generation status cache lookups by result (hit, miss).");

    /// <summary>One lookup: <c>gateway.cache.lookups</c> tagged <c>cache.result</c>, and <c>gateway.cache</c> on the span.</summary>
    public void Looked(bool hit)
    {
        var result = hit ? "hit" : "miss";
        _lookups.Add(1, new KeyValuePair<string, object?>("cache.result", result));
        GatewayTelemetry.TagRequestSpan("gateway.cache", result);
    }
}
