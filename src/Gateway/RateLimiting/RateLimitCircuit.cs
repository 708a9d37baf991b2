using Polly;
using Polly.CircuitBreaker;

namespace Genlook.Gateway.RateLimiting;

/// <summary>
/// The circuit breaker around the limiter's Redis script calls (Polly's): it opens when at least half of the calls of
/// the last 10 s failed or timed out, and at least 10 were made, for <c>RateLimiting:BreakDuration</c>; then one probe
/// at a time tries Redis. A slow Redis is not a dead one: a single call over <c>RateLimiting:RedisBudget</c> sends its
/// own requests to the fallback and leaves the next ones on Redis. It wraps a batch's call, not each request, so its
/// lock is taken once per batch. Built by <see cref="Storage.RedisCircuit"/>, as the store's is.
/// </summary>
internal static class RateLimitCircuit
{
    public const double FailureRatio = 0.5;
    public const int MinimumThroughput = 10;
    public static readonly TimeSpan SamplingDuration = TimeSpan.FromSeconds(10);

    public static ResiliencePipeline Create(RateLimitingOptions options, TimeProvider time, ILogger logger) =>
        Storage.RedisCircuit.Create("rate-limiting", new(FailureRatio, MinimumThroughput, SamplingDuration, options.BreakDuration), time, logger);

    /// <summary>
    /// What sends a limiter call to the fallback: a Redis outage as <see cref="Storage.RedisErrors"/> classifies it, the
    /// open circuit, or a connection the multiplexer already knows is down. Anything else is a defect and stays a 500.
    /// </summary>
    public static bool IsRedisFailure(Exception ex) =>
        ex is BrokenCircuitException or RedisDisconnectedException || Storage.RedisErrors.IsOutage(ex);
}
