using System.Diagnostics.Metrics;

namespace Genlook.Gateway.Caching;

/// <summary>
/// The watch's instruments (CONTRACT §7), on the gateway's meter (pattern: ASP.NET Core's RateLimitingMetrics).
/// Counts are kept here and observed by the exporter (asynchronous instruments), so every series exists from start-up,
/// at 0, whenever the exporter starts listening: dashboards and alerts see an instance that has no watches yet.
/// </summary>
internal sealed class WatchMetrics
{
    public const string MeterName = "Genlook.Gateway";

    private static readonly KeyValuePair<string, object?> Stream = new("watch.kind", "stream");
    private static readonly KeyValuePair<string, object?> Wait = new("watch.kind", "wait");

    private readonly Histogram<long> _pollsPerGeneration;
    private long _openStreams;
    private long _openWaits;
    private long _events;
    private long _polls;
    private long _rejected;

    public WatchMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableUpDownCounter("gateway.watch.open",
            () => new[] { new Measurement<long>(Volatile.Read(ref _openStreams), Stream), new Measurement<long>(Volatile.Read(ref _openWaits), Wait) },
            "{watch}", "Open watches on this instance (event streams and held Prefer: wait requests).");
        meter.CreateObservableCounter("gateway.watch.events", () => Volatile.Read(ref _events), "{event}", "Status events sent to watchers.");
        meter.CreateObservableCounter("gateway.watch.upstream_polls", () => Volatile.Read(ref _polls), "{request}",
            "Status requests this instance sent to Genlook for watched generations.");
        meter.CreateObservableCounter("gateway.watch.rejected", () => Volatile.Read(ref _rejected), "{watch}",
            "Watches refused because the user holds Caching:MaxWatchesPerUser already.");
        _pollsPerGeneration = meter.CreateHistogram<long>("gateway.watch.upstream_polls_per_generation", "{request}",
            "Status requests this instance sent to Genlook for one watched generation, recorded when it stops watching it.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [0, 1, 2, 5, 10, 20, 50, 100, 300] });
    }

    public void Opened(string kind) => Interlocked.Increment(ref kind == "stream" ? ref _openStreams : ref _openWaits);

    public void Closed(string kind) => Interlocked.Decrement(ref kind == "stream" ? ref _openStreams : ref _openWaits);

    public void EventSent() => Interlocked.Increment(ref _events);

    public void UpstreamPolled() => Interlocked.Increment(ref _polls);

    public void GenerationReleased(long polls) => _pollsPerGeneration.Record(polls);

    public void Rejected() => Interlocked.Increment(ref _rejected);
}
