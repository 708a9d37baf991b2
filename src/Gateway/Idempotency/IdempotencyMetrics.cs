using System.Diagnostics.Metrics;
using Genlook.Gateway.Observability;
using Genlook.Gateway.Proxy;

namespace Genlook.Gateway.Idempotency;

/// <summary>Idempotency's signals, on the gateway's meter (<c>Genlook.Gateway</c>) from <see cref="IMeterFactory"/>.</summary>
internal sealed class IdempotencyMetrics(IMeterFactory meterFactory)
{
    private readonly Counter<long> _replays = meterFactory.Create(GatewayTelemetry.Name).CreateCounter<long>(
        "gateway.idempotency.replays", "{response}", "Stored responses replayed for a repeated Idempotency-Key (no Genlook call).");

    /// <summary>A replay: <c>gateway.idempotency.replays</c> tagged <c>route</c>, and <c>gateway.idempotency=replayed</c> on the span.</summary>
    public void Replayed(GatewayRoute route)
    {
        GatewayTelemetry.TagRequestSpan("gateway.idempotency", "replayed");
        _replays.Add(1, new KeyValuePair<string, object?>("route", route.Id));
    }
}
