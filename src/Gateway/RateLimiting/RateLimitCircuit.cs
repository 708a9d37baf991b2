using Polly;
using Polly.CircuitBreaker;

namespace Genlook.Gateway.RateLimiting;

/// <summary>
/// The circuit breaker around the limiter's Redis script calls (Polly's): it opens when at least half of the calls of
/// the last 10 s failed or timed out, and at least 10 were made, for <c>RateLimiting:BreakDuration</c>; then one probe
/// at a time tries Redis. A slow Redis is not a dead one: a single call over <c>RateLimiting:RedisBudget</c> sends its
/// own requests to the fallback and leaves the next ones on Redis. It wraps a batch's call, not each request, so its
/// lock is taken once per batch (the reason a per-request breaker was dropped).
/// </summary>
internal static partial class RateLimitCircuit
{
    public const double FailureRatio = 0.5;
    public const int MinimumThroughput = 10;
    public static readonly TimeSpan SamplingDuration = TimeSpan.FromSeconds(10);

    public static ResiliencePipeline Create(RateLimitingOptions options, TimeProvider time, ILogger logger) =>
        new ResiliencePipelineBuilder { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = FailureRatio,
                MinimumThroughput = MinimumThroughput,
                SamplingDuration = SamplingDuration,
                BreakDuration = options.BreakDuration,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } ex && Storage.RedisErrors.IsOutage(ex)),
                OnOpened = args =>
                {
                    LogCircuitOpened(logger, options.FailureMode, args.BreakDuration.TotalSeconds);
                    return default;
                },
                OnClosed = _ =>
                {
                    LogCircuitClosed(logger);
                    return default;
                },
            })
            .Build();

    /// <summary>
    /// What sends a limiter call to the fallback: a Redis outage as <see cref="Storage.RedisErrors"/> classifies it, the
    /// open circuit, or a connection the multiplexer already knows is down. Anything else is a defect and stays a 500.
    /// </summary>
    public static bool IsRedisFailure(Exception ex) =>
        ex is BrokenCircuitException or RedisDisconnectedException || Storage.RedisErrors.IsOutage(ex);

    [LoggerMessage(6001, LogLevel.Warning, "Redis is failing for rate limiting: circuit open for {Seconds} s, failure mode {Mode}. Each instance serves its share of the limits (open) or requests get 503 (closed) until it recovers.")]
    private static partial void LogCircuitOpened(ILogger logger, RateLimitFailureMode mode, double seconds);

    [LoggerMessage(6002, LogLevel.Information, "Redis is back: rate limits are shared across instances again.")]
    private static partial void LogCircuitClosed(ILogger logger);
}
