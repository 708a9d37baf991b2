using System.Diagnostics.Metrics;
using Genlook.Gateway.Observability;

namespace Genlook.Gateway.Proxy;

/// <summary>
/// The proxy's instruments: how long Genlook took, and the upstream failures the gateway mapped.
/// On the gateway's meter (<c>Genlook.Gateway</c>), created from <see cref="IMeterFactory"/>.
/// </summary>
internal sealed class ProxyMetrics
{
    public ProxyMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(GatewayTelemetry.Name);
        UpstreamDuration = meter.CreateHistogram<double>("gateway.upstream.duration", "s", "Time Genlook took to answer a forwarded request, by route.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
        UpstreamErrors = meter.CreateCounter<long>("gateway.upstream.errors", "{error}", "Upstream failures by mapped gateway error code.");
    }

    /// <summary><c>gateway.upstream.duration</c> (s), tagged <c>route</c> and <c>http.response.status_code</c>.</summary>
    public Histogram<double> UpstreamDuration { get; }

    /// <summary><c>gateway.upstream.errors</c>, tagged <c>error.code</c> and <c>route</c>.</summary>
    public Counter<long> UpstreamErrors { get; }
}
