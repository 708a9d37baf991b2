using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Genlook.Gateway.Observability;

/// <summary>
/// The gateway's own signals: one <see cref="ActivitySource"/> and one <see cref="Meter"/>, both named
/// <c>Genlook.Gateway</c>. Instruments are named <c>gateway.*</c>; tags are low-cardinality (never ids or pseudonyms).
/// </summary>
public sealed class GatewayTelemetry : IDisposable
{
    public const string Name = "Genlook.Gateway";

    public static readonly ActivitySource ActivitySource = new(Name);

    public GatewayTelemetry(IMeterFactory meterFactory)
    {
        Meter = meterFactory.Create(Name);
        UpstreamErrors = Meter.CreateCounter<long>("gateway.upstream.errors", "{error}", "Upstream failures by mapped gateway error code.");
        OwnershipDenials = Meter.CreateCounter<long>("gateway.ownership.denials", "{request}", "Requests refused because the caller does not own the generation or image.");
        CompatRewrites = Meter.CreateCounter<long>("gateway.compat.rewrites", "{rewrite}", "Legacy request shapes rewritten to Genlook v1 (1.4), by COMPAT.md row and route.");
    }

    public Meter Meter { get; }

    /// <summary><c>gateway.upstream.errors</c>, tagged <c>error.code</c> and <c>route</c>.</summary>
    public Counter<long> UpstreamErrors { get; }

    /// <summary><c>gateway.ownership.denials</c>, tagged <c>route</c>.</summary>
    public Counter<long> OwnershipDenials { get; }

    /// <summary><c>gateway.compat.rewrites</c>, tagged <c>compat.row</c> and <c>route</c>.</summary>
    public Counter<long> CompatRewrites { get; }

    public void Dispose() => Meter.Dispose();
}
