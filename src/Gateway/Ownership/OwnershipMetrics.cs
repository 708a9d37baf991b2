using System.Diagnostics.Metrics;
using Genlook.Gateway.Observability;

namespace Genlook.Gateway.Ownership;

/// <summary>
/// Ownership's instrument: requests refused because the caller does not own what they name.
/// On the gateway's meter (<c>Genlook.Gateway</c>), created from <see cref="IMeterFactory"/>.
/// </summary>
internal sealed class OwnershipMetrics
{
    public OwnershipMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(GatewayTelemetry.Name);
        Denials = meter.CreateCounter<long>("gateway.ownership.denials", "{request}", "Requests refused because the caller does not own the generation or image.");
    }

    /// <summary><c>gateway.ownership.denials</c>, tagged <c>route</c>.</summary>
    public Counter<long> Denials { get; }
}
