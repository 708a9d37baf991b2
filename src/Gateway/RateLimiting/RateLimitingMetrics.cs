using System.Diagnostics.Metrics;
using Genlook.Gateway.Observability;

namespace Genlook.Gateway.RateLimiting;

/// <summary>
/// The limiter's instrument: its verdicts.
/// On the gateway's meter (<c>Genlook.Gateway</c>), created from <see cref="IMeterFactory"/>.
/// </summary>
internal sealed class RateLimitingMetrics
{
    public RateLimitingMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(GatewayTelemetry.Name);
        Decisions = meter.CreateCounter<long>("gateway.ratelimit.decisions", "{request}", "Rate-limit verdicts by policy, outcome and source (shared Redis, or the per-instance fallback).");
    }

    /// <summary><c>gateway.ratelimit.decisions</c>, tagged <c>policy</c>, <c>outcome</c> (allowed, rejected) and <c>source</c> (shared, fallback).</summary>
    public Counter<long> Decisions { get; }
}
