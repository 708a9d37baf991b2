using System.Diagnostics;

namespace Genlook.Gateway.Observability;

/// <summary>
/// The gateway's own signals share one name, <c>Genlook.Gateway</c>: this <see cref="ActivitySource"/> and its span
/// helpers, and the meter every feature's <c>&lt;Feature&gt;Metrics</c> class creates its instruments on (named
/// <c>gateway.*</c>; tags are low-cardinality, never ids or pseudonyms).
/// </summary>
public static class GatewayTelemetry
{
    public const string Name = "Genlook.Gateway";

    public static readonly ActivitySource ActivitySource = new(Name);

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
}
