using System.Diagnostics.Metrics;
using Genlook.Gateway.Observability;
using Genlook.Gateway.Proxy;

namespace Genlook.Gateway.Compat;

/// <summary>Compat's instrument, on the gateway's meter (<c>Genlook.Gateway</c>) from <see cref="IMeterFactory"/>.</summary>
internal sealed class CompatMetrics(IMeterFactory meterFactory)
{
    private readonly Counter<long> _rewrites = meterFactory.Create(GatewayTelemetry.Name).CreateCounter<long>(
        "gateway.compat.rewrites", "{rewrite}", "Legacy request shapes rewritten to Genlook v1 (1.4), by COMPAT.md row and route.");

    /// <summary><c>gateway.compat.rewrites</c>, tagged <c>compat.row</c> and <c>route</c>.</summary>
    public void Rewritten(ICompatShape shape, GatewayRoute route) =>
        _rewrites.Add(1, new("compat.row", shape.Id), new("route", route.Id));
}
