using System.Diagnostics.Metrics;
using Genlook.Gateway.Observability;

namespace Genlook.Gateway.Idempotency;

/// <summary>
/// Idempotency's instrument: the responses it replayed.
/// On the gateway's meter (<c>Genlook.Gateway</c>), created from <see cref="IMeterFactory"/>.
/// </summary>
internal sealed class IdempotencyMetrics
{
    public IdempotencyMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(GatewayTelemetry.Name);
        Replays = meter.CreateCounter<long>("gateway.idempotency.replays", "{response}", "Stored responses replayed for a repeated Idempotency-Key (no Genlook call).");
    }

    /// <summary><c>gateway.idempotency.replays</c>, tagged <c>route</c>.</summary>
    public Counter<long> Replays { get; }
}
