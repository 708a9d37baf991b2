using System.Diagnostics.Metrics;
using Genlook.Gateway.Observability;

namespace Genlook.Gateway.RateLimiting;

/// <summary>The limiter's instrument, on the gateway's meter (<c>Genlook.Gateway</c>) from <see cref="IMeterFactory"/>.</summary>
internal sealed class RateLimitingMetrics(IMeterFactory meterFactory)
{
    private readonly Counter<long> _decisions = meterFactory.Create(GatewayTelemetry.Name).CreateCounter<long>(
        "gateway.ratelimit.decisions", "{request}", "Rate-limit verdicts by policy, outcome and source (shared Redis, local mode, or the per-instance fallback).");

    /// <summary>
    /// <c>gateway.ratelimit.decisions</c>, tagged <c>policy</c>, <c>outcome</c> (allowed, rejected) and <c>source</c>
    /// (shared: an exact decision in Redis; local: a local-mode decision; fallback: either made without Redis).
    /// </summary>
    public void Decided(string policy, RateLimitDecision decision, string source) =>
        _decisions.Add(1,
            new("policy", policy),
            new("outcome", decision.Allowed ? "allowed" : "rejected"),
            new("source", source));
}
