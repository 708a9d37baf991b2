using System.Diagnostics.Metrics;

namespace Genlook.Gateway.Caching;

/// <summary>The watch's instruments (CONTRACT §7), on the gateway's meter (pattern: ASP.NET Core's RateLimitingMetrics).</summary>
internal sealed class WatchMetrics
{
    public const string MeterName = "Genlook.Gateway";

    private readonly UpDownCounter<long> _open;
    private readonly Counter<long> _events;
    private readonly Counter<long> _polls;
    private readonly Histogram<long> _pollsPerGeneration;
    private readonly Counter<long> _rejected;

    public WatchMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _open = meter.CreateUpDownCounter<long>("gateway.watch.open", "{watch}", "Open watches on this instance (event streams and held Prefer: wait requests).");
        _events = meter.CreateCounter<long>("gateway.watch.events", "{event}", "Status events sent to watchers.");
        _polls = meter.CreateCounter<long>("gateway.watch.upstream_polls", "{request}", "Status requests this instance sent to Genlook for watched generations.");
        _pollsPerGeneration = meter.CreateHistogram<long>("gateway.watch.upstream_polls_per_generation", "{request}",
            "Status requests this instance sent to Genlook for one watched generation, recorded when it stops watching it.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [0, 1, 2, 5, 10, 20, 50, 100, 300] });
        _rejected = meter.CreateCounter<long>("gateway.watch.rejected", "{watch}", "Watches refused because the user holds Caching:MaxWatchesPerUser already.");
    }

    public void Opened(string kind) => _open.Add(1, new KeyValuePair<string, object?>("watch.kind", kind));

    public void Closed(string kind) => _open.Add(-1, new KeyValuePair<string, object?>("watch.kind", kind));

    public void EventSent() => _events.Add(1);

    public void UpstreamPolled() => _polls.Add(1);

    public void GenerationReleased(long polls) => _pollsPerGeneration.Record(polls);

    public void Rejected() => _rejected.Add(1);
}
