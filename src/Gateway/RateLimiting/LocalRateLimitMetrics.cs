using System.Diagnostics.Metrics;
using Genlook.Gateway.Observability;

namespace Genlook.Gateway.RateLimiting;

/// <summary>
/// Instruments of the <c>local</c> limiter mode (meter <c>Genlook.Gateway</c>, like aspnetcore's RateLimitingMetrics):
/// background syncs by outcome, keys tracked, keys evicted by the cap.
/// </summary>
internal sealed class LocalRateLimitMetrics
{
    private readonly Counter<long> _syncs;
    private readonly Counter<long> _evictions;

    public LocalRateLimitMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(GatewayTelemetry.Name);
        _syncs = meter.CreateCounter<long>("gateway.ratelimit.local.syncs", "{sync}",
            "Background syncs of the local limiter mode with Redis, by outcome (ok, failed). While they fail, local policies decide alone with each instance's share of what is left.");
        _evictions = meter.CreateCounter<long>("gateway.ratelimit.local.evictions", "{key}",
            "Local limiter keys dropped because the tracked-key cap was reached (their next decision is made before their next sync).");
        meter.CreateObservableGauge("gateway.ratelimit.local.keys", () => TrackedKeys?.Invoke() ?? 0, "{key}", "Keys the local limiter mode tracks on this instance.");
    }

    /// <summary>Reads the tracked-key count (set by the limiter, which is built after the metrics).</summary>
    public Func<int>? TrackedKeys { get; set; }

    public void Synced(bool ok) => _syncs.Add(1, new KeyValuePair<string, object?>("outcome", ok ? "ok" : "failed"));

    public void Evicted(int keys) => _evictions.Add(keys);
}
