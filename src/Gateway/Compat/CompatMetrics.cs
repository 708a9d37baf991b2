using System.Diagnostics.Metrics;
using Genlook.Gateway.Observability;

namespace Genlook.Gateway.Compat;

/// <summary>
/// Compat's instrument: the legacy shapes it rewrote.
/// On the gateway's meter (<c>Genlook.Gateway</c>), created from <see cref="IMeterFactory"/>.
/// </summary>
internal sealed class CompatMetrics
{
    public CompatMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(GatewayTelemetry.Name);
        Rewrites = meter.CreateCounter<long>("gateway.compat.rewrites", "{rewrite}", "Legacy request shapes rewritten to Genlook v1 (1.4), by COMPAT.md row and route.");
    }

    /// <summary><c>gateway.compat.rewrites</c>, tagged <c>compat.row</c> and <c>route</c>.</summary>
    public Counter<long> Rewrites { get; }
}
