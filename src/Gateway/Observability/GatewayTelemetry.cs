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
        UpstreamDuration = Meter.CreateHistogram<double>("gateway.upstream.duration", "s", "Time Genlook took to answer a forwarded request, by route.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
        UpstreamErrors = Meter.CreateCounter<long>("gateway.upstream.errors", "{error}", "Upstream failures by mapped gateway error code.");
        OwnershipDenials = Meter.CreateCounter<long>("gateway.ownership.denials", "{request}", "Requests refused because the caller does not own the generation or image.");
        RateLimitDecisions = Meter.CreateCounter<long>("gateway.ratelimit.decisions", "{request}", "Rate-limit verdicts by policy, outcome and source (shared Redis, or the per-instance fallback).");
        CacheLookups = Meter.CreateCounter<long>("gateway.cache.lookups", "{lookup}", "Generation status cache lookups by result (hit, miss).");
        IdempotentReplays = Meter.CreateCounter<long>("gateway.idempotency.replays", "{response}", "Stored responses replayed for a repeated Idempotency-Key (no Genlook call).");
        GdprJobs = Meter.CreateCounter<long>("gateway.gdpr.jobs", "{job}", "GDPR erase jobs by state change (accepted, completed, failed).");
        GdprAttempts = Meter.CreateCounter<long>("gateway.gdpr.attempts", "{attempt}", "Attempts at erasing a user from one target, by target kind and outcome.");
        CompatRewrites = Meter.CreateCounter<long>("gateway.compat.rewrites", "{rewrite}", "Legacy request shapes rewritten to Genlook v1 (1.4), by COMPAT.md row and route.");
    }

    public Meter Meter { get; }

    /// <summary>Sets a <c>gateway.*</c> attribute (low cardinality: what the gateway decided) on the request's span, if recorded.</summary>
    public static void TagRequestSpan(string name, string value)
    {
        // Only on a span that is recorded: ASP.NET Core creates an activity per request even when nothing listens.
        if (Activity.Current is { Recorded: true } activity)
        {
            activity.SetTag(name, value);
        }
    }

    /// <summary>A client span around one store (Redis) call, following the database semantic conventions.</summary>
    public static Activity? StartStoreCall(string operation)
    {
        if (!ActivitySource.HasListeners())
        {
            return null;
        }

        return TagStoreCall(ActivitySource.StartActivity("redis " + operation, ActivityKind.Client), operation);
    }

    /// <summary>
    /// The context of the current span when the gateway's spans are collected, for a store call made later on another
    /// thread (a batch); otherwise <c>default</c>, without touching <see cref="Activity.Current"/>.
    /// </summary>
    public static ActivityContext CurrentContextIfTraced() =>
        ActivitySource.HasListeners() && Activity.Current is { } current ? current.Context : default;

    /// <summary>
    /// A client span around one store call made for several requests at once (a batch): with one request it is that
    /// request's child; with several it starts its own trace and links to each of them (the OpenTelemetry batch
    /// convention), so every request's trace leads to the call that decided it.
    /// </summary>
    public static Activity? StartBatchStoreCall<T>(string operation, IReadOnlyList<T> callers, Func<T, ActivityContext> contextOf)
    {
        if (!ActivitySource.HasListeners())
        {
            return null;
        }

        ActivityContext parent = default;
        List<ActivityLink>? links = null;
        if (callers.Count == 1)
        {
            parent = contextOf(callers[0]);
        }
        else
        {
            foreach (var caller in callers)
            {
                if (contextOf(caller) is var context && context != default)
                {
                    (links ??= new List<ActivityLink>(callers.Count)).Add(new ActivityLink(context));
                }
            }
        }

        // The batching loop runs in whatever context it was started from: never a parent for the calls it makes.
        Activity.Current = null;
        var activity = TagStoreCall(ActivitySource.StartActivity(ActivityKind.Client, parent, links: links, name: "redis " + operation), operation);
        if (callers.Count > 1)
        {
            activity?.SetTag("db.operation.batch.size", callers.Count);
        }

        return activity;
    }

    /// <summary>The database semantic conventions' tags of a store call.</summary>
    private static Activity? TagStoreCall(Activity? activity, string operation)
    {
        activity?.SetTag("db.system.name", "redis");
        activity?.SetTag("db.operation.name", operation);
        return activity;
    }

    /// <summary><c>gateway.upstream.duration</c> (s), tagged <c>route</c> and <c>http.response.status_code</c>.</summary>
    public Histogram<double> UpstreamDuration { get; }

    /// <summary><c>gateway.upstream.errors</c>, tagged <c>error.code</c> and <c>route</c>.</summary>
    public Counter<long> UpstreamErrors { get; }

    /// <summary><c>gateway.ownership.denials</c>, tagged <c>route</c>.</summary>
    public Counter<long> OwnershipDenials { get; }

    /// <summary><c>gateway.compat.rewrites</c>, tagged <c>compat.row</c> and <c>route</c>.</summary>
    public Counter<long> CompatRewrites { get; }

    /// <summary><c>gateway.ratelimit.decisions</c>, tagged <c>policy</c>, <c>outcome</c> (allowed, rejected) and <c>source</c> (shared, fallback).</summary>
    public Counter<long> RateLimitDecisions { get; }

    /// <summary><c>gateway.cache.lookups</c>, tagged <c>cache.result</c> (hit, miss).</summary>
    public Counter<long> CacheLookups { get; }

    /// <summary><c>gateway.idempotency.replays</c>, tagged <c>route</c>.</summary>
    public Counter<long> IdempotentReplays { get; }

    /// <summary><c>gateway.gdpr.jobs</c>, tagged <c>gdpr.job.state</c> (accepted, completed, failed).</summary>
    public Counter<long> GdprJobs { get; }

    /// <summary><c>gateway.gdpr.attempts</c>, tagged <c>gdpr.target.kind</c> (genlook, store) and <c>outcome</c>.</summary>
    public Counter<long> GdprAttempts { get; }

    public void Dispose() => Meter.Dispose();
}
