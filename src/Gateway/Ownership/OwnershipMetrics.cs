using System.Diagnostics.Metrics;
using Genlook.Gateway.Observability;
using Genlook.Gateway.Proxy;

namespace Genlook.Gateway.Ownership;

/// <summary>Ownership's signals, on the gateway's meter (<c>Genlook.Gateway</c>) from <see cref="IMeterFactory"/>.</summary>
internal sealed class OwnershipMetrics(IMeterFactory meterFactory)
{
    private readonly Counter<long> _denials = meterFactory.Create(GatewayTelemetry.Name).CreateCounter<long>(
        "gateway.ownership.denials", "{request}", "Requests refused because the caller does not own the generation or image.");

    /// <summary>A refusal: <c>gateway.ownership.denials</c> tagged <c>route</c>, and <c>gateway.ownership=denied</c> on the span.</summary>
    public void Denied(GatewayRoute route)
    {
        _denials.Add(1, new KeyValuePair<string, object?>("route", route.Id));
        GatewayTelemetry.TagRequestSpan("gateway.ownership", "denied");
    }
}
