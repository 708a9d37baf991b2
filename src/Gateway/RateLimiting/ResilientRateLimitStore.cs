using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using StackExchange.Redis;

namespace Genlook.Gateway.RateLimiting;

/// <summary>
/// Redis first, within a small budget (<c>RateLimiting:RedisBudget</c>, 50 ms): a Redis that is down, unreachable or
/// slow opens a circuit (Polly) for <c>RateLimiting:BreakDuration</c>, during which no request waits on it at all.
/// Meanwhile <c>open</c> mode serves from the per-instance in-memory limiter (decisions flagged as fallback) and
/// <c>closed</c> mode refuses with <c>503</c>. One probe after the break brings the shared limits back.
/// </summary>
internal sealed partial class ResilientRateLimitStore : IRateLimitStore
{
    private readonly RedisRateLimitStore _redis;
    private readonly IConnectionMultiplexer _connection;
    private readonly InMemoryRateLimitStore _fallback;
    private readonly RateLimitingOptions _options;
    private readonly ResiliencePipeline _pipeline;
    private readonly ILogger<ResilientRateLimitStore> _logger;

    public ResilientRateLimitStore(RedisRateLimitStore redis, IConnectionMultiplexer connection, InMemoryRateLimitStore fallback,
        IOptions<RateLimitingOptions> options, TimeProvider time, ILogger<ResilientRateLimitStore> logger)
    {
        _redis = redis;
        _connection = connection;
        _fallback = fallback;
        _options = options.Value;
        _logger = logger;
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = 2,
                SamplingDuration = TimeSpan.FromSeconds(2),
                BreakDuration = _options.BreakDuration,
                ShouldHandle = new PredicateBuilder().Handle<RedisException>().Handle<TimeoutException>().Handle<RedisDisconnectedException>(),
                OnOpened = _ =>
                {
                    LogCircuitOpened(_logger, _options.FailureMode, _options.BreakDuration.TotalSeconds);
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    LogCircuitClosed(_logger);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    public async Task<RateLimitDecision> AcquireAsync(RateLimitRequest request, CancellationToken cancellationToken = default)
    {
        try
        {
            return await RunAsync(() => _redis.AcquireAsync(request, cancellationToken));
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            if (_options.FailureMode == RateLimitFailureMode.Closed)
            {
                throw new RateLimitUnavailableException(ex);
            }

            var decision = await _fallback.AcquireAsync(request, cancellationToken);
            return decision with { FromFallback = true };
        }
    }

    public async Task RefundAsync(RateLimitRequest request, CancellationToken cancellationToken = default)
    {
        try
        {
            await RunAsync(async () =>
            {
                await _redis.RefundAsync(request, cancellationToken);
                return true;
            });
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            await _fallback.RefundAsync(request, cancellationToken);
        }
    }

    public async Task HoldAsync(string holdKey, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        // Both: the local hold protects this instance even if Redis is down, the shared one every other instance.
        await _fallback.HoldAsync(holdKey, duration, cancellationToken);
        try
        {
            await RunAsync(async () =>
            {
                await _redis.HoldAsync(holdKey, duration, cancellationToken);
                return true;
            });
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
        }
    }

    private async Task<T> RunAsync<T>(Func<Task<T>> operation) =>
        await _pipeline.ExecuteAsync(async _ =>
        {
            if (!_connection.IsConnected)
            {
                throw new RedisDisconnectedException();
            }

            // StackExchange.Redis commands take no CancellationToken: bound the wait instead.
            return await operation().WaitAsync(_options.RedisBudget, CancellationToken.None);
        });

    private static bool IsRedisFailure(Exception ex) => ex is RedisException or TimeoutException or RedisDisconnectedException or BrokenCircuitException;

    [LoggerMessage(6001, LogLevel.Warning, "Redis is unavailable for rate limiting: circuit open for {Seconds} s, failure mode {Mode}. Limits are per instance (open) or requests get 503 (closed) until it recovers.")]
    private static partial void LogCircuitOpened(ILogger logger, RateLimitFailureMode mode, double seconds);

    [LoggerMessage(6002, LogLevel.Information, "Redis is back: rate limits are shared across instances again.")]
    private static partial void LogCircuitClosed(ILogger logger);
}

/// <summary>The multiplexer knows Redis is down: fail without queueing a command.</summary>
internal sealed class RedisDisconnectedException() : Exception("Redis is not connected.");

/// <summary>Redis could not decide and <c>RateLimiting:FailureMode</c> is <c>closed</c>.</summary>
internal sealed class RateLimitUnavailableException(Exception inner) : Exception("Rate limits are unavailable (Redis) and the failure mode is closed.", inner);
