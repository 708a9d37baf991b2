using System.Diagnostics.Metrics;

namespace Genlook.Gateway.Storage;

/// <summary>
/// Tells the operator about a store outage once, not once per failed call: a warning when calls start failing, an
/// information when the store has answered again after <see cref="QuietPeriod"/> without a failure, and a counter of the
/// failed calls (<c>gateway.store.failures</c>, tagged <c>error.type</c>). The quiet period keeps a partial outage (one
/// cluster node down: some calls fail, others succeed) from logging a pair of lines per request.
/// </summary>
internal sealed partial class StoreOutage
{
    /// <summary>How long the store must go without a failed call before the outage is reported over.</summary>
    internal static readonly TimeSpan QuietPeriod = TimeSpan.FromSeconds(5);

    private readonly ILogger<StoreOutage> _logger;
    private readonly TimeProvider _time;
    private readonly Counter<long> _failures;

    // 0 while the store answers; else the timestamp (TimeProvider) of the outage's first failure.
    private long _since;
    private long _lastFailure;
    private long _failedCalls;

    public StoreOutage(ILogger<StoreOutage> logger, StorageMetrics metrics, TimeProvider time)
    {
        _logger = logger;
        _time = time;
        _failures = metrics.Failures;
    }

    /// <summary>A call failed because the store could not serve; <paramref name="reason"/> is bounded (see <see cref="RedisErrors.OutageReason"/>).</summary>
    public void Failed(string reason)
    {
        var now = _time.GetTimestamp();
        _failures.Add(1, new KeyValuePair<string, object?>("error.type", reason));
        Interlocked.Increment(ref _failedCalls);
        Volatile.Write(ref _lastFailure, now);
        if (Interlocked.CompareExchange(ref _since, now, 0) == 0)
        {
            LogOutageStarted(_logger, reason);
        }
    }

    /// <summary>A call succeeded. On the hot path: one read while the store is healthy.</summary>
    public void Succeeded()
    {
        var since = Volatile.Read(ref _since);
        if (since == 0 || _time.GetElapsedTime(Volatile.Read(ref _lastFailure)) < QuietPeriod)
        {
            return;
        }

        if (Interlocked.CompareExchange(ref _since, 0, since) == since)
        {
            LogOutageEnded(_logger, _time.GetElapsedTime(since).TotalSeconds, Interlocked.Exchange(ref _failedCalls, 0));
        }
    }

    [LoggerMessage(2002, LogLevel.Warning, "The store (Redis) cannot serve ({Reason}): requests that need it get 503 STORE_UNAVAILABLE until it answers again. Logged once per outage; failed calls are counted in gateway.store.failures.")]
    private static partial void LogOutageStarted(ILogger logger, string reason);

    [LoggerMessage(2003, LogLevel.Information, "The store (Redis) answers again: the outage lasted {Seconds:0.0} s, {FailedCalls} calls failed.")]
    private static partial void LogOutageEnded(ILogger logger, double seconds, long failedCalls);
}
