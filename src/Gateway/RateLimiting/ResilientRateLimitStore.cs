using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Genlook.Gateway.RateLimiting;

/// <summary>
/// Redis first, within a small budget (<c>RateLimiting:RedisBudget</c>, 50 ms): a Redis that is down, unreachable or
/// slow opens the circuit for <c>RateLimiting:BreakDuration</c>, during which no request waits on it at all.
/// Meanwhile <c>open</c> mode serves from the per-instance in-memory limiter (decisions flagged as fallback) and
/// <c>closed</c> mode refuses with <c>503</c>. After the break one probe at a time tries Redis; its success closes the
/// circuit and the limits are shared again.
/// <para>
/// The breaker is a timestamp rather than Polly's: this runs on every request, and Polly's circuit breaker takes a
/// lock per execution, which profiling under load showed as contention (the GDPR client, off the hot path, uses Polly).
/// </para>
/// </summary>
internal sealed partial class ResilientRateLimitStore(
    RedisRateLimitStore redis, IConnectionMultiplexer connection, InMemoryRateLimitStore fallback,
    IOptions<RateLimitingOptions> options, TimeProvider time, ILogger<ResilientRateLimitStore> logger) : IRateLimitStore
{
    private readonly RedisRateLimitStore _redis = redis;
    private readonly InMemoryRateLimitStore _fallback = fallback;
    private readonly RateLimitingOptions _options = options.Value;

    // 0 while closed; else the timestamp (TimeProvider) until which Redis is skipped.
    private long _openUntil;
    private int _probing;

    public Task<RateLimitDecision> AcquireAsync(RateLimitRequest request, CancellationToken cancellationToken = default)
    {
        // Every request comes here: while the circuit is closed, one await on the (batched, self-bounded) Redis call.
        return Volatile.Read(ref _openUntil) == 0 && connection.IsConnected
            ? AwaitRedisAsync(_redis.AcquireAsync(request, cancellationToken), request, cancellationToken)
            : AcquireSlowAsync(request, cancellationToken);
    }

    private async Task<RateLimitDecision> AwaitRedisAsync(Task<RateLimitDecision> pending, RateLimitRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await pending;
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            OpenCircuit();
            return await FallbackAsync(request, ex, cancellationToken);
        }
    }

    private async Task<RateLimitDecision> AcquireSlowAsync(RateLimitRequest request, CancellationToken cancellationToken)
    {
        try
        {
            // The Redis store bounds its own wait (per batch), so no timer per request here.
            return await RunAsync(() => _redis.AcquireAsync(request, cancellationToken), bounded: true);
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            return await FallbackAsync(request, ex, cancellationToken);
        }
    }

    private async Task<RateLimitDecision> FallbackAsync(RateLimitRequest request, Exception failure, CancellationToken cancellationToken)
    {
        if (_options.FailureMode == RateLimitFailureMode.Closed)
        {
            throw new RateLimitUnavailableException(failure);
        }

        var decision = await _fallback.AcquireAsync(request, cancellationToken);
        return decision with { FromFallback = true };
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

    private async Task<T> RunAsync<T>(Func<Task<T>> operation, bool bounded = false)
    {
        var openUntil = Volatile.Read(ref _openUntil);
        var probe = false;
        if (openUntil != 0)
        {
            if (time.GetTimestamp() < openUntil || Interlocked.CompareExchange(ref _probing, 1, 0) != 0)
            {
                throw new CircuitOpenException();
            }

            probe = true;
        }

        try
        {
            if (!connection.IsConnected)
            {
                throw new RedisDisconnectedException();
            }

            // StackExchange.Redis commands take no CancellationToken: bound the wait instead.
            var task = operation();
            var result = await (bounded ? task : task.WaitAsync(_options.RedisBudget, CancellationToken.None));
            if (probe)
            {
                Volatile.Write(ref _openUntil, 0);
                LogCircuitClosed(logger);
            }

            return result;
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            OpenCircuit();
            throw;
        }
        finally
        {
            if (probe)
            {
                Volatile.Write(ref _probing, 0);
            }
        }
    }

    private void OpenCircuit()
    {
        var until = time.GetTimestamp() + (long)(_options.BreakDuration.TotalSeconds * time.TimestampFrequency);
        if (Interlocked.Exchange(ref _openUntil, until) == 0)
        {
            LogCircuitOpened(logger, _options.FailureMode, _options.BreakDuration.TotalSeconds);
        }
    }

    private static bool IsRedisFailure(Exception ex) => ex is RedisException or TimeoutException or RedisDisconnectedException or CircuitOpenException;

    [LoggerMessage(6001, LogLevel.Warning, "Redis is unavailable for rate limiting: circuit open for {Seconds} s, failure mode {Mode}. Limits are per instance (open) or requests get 503 (closed) until it recovers.")]
    private static partial void LogCircuitOpened(ILogger logger, RateLimitFailureMode mode, double seconds);

    [LoggerMessage(6002, LogLevel.Information, "Redis is back: rate limits are shared across instances again.")]
    private static partial void LogCircuitClosed(ILogger logger);
}

/// <summary>Redis failed recently: skip it until the break is over.</summary>
internal sealed class CircuitOpenException() : Exception("Redis is skipped while the rate-limit circuit is open.");

/// <summary>The multiplexer knows Redis is down: fail without queueing a command.</summary>
internal sealed class RedisDisconnectedException() : Exception("Redis is not connected.");

/// <summary>Redis could not decide and <c>RateLimiting:FailureMode</c> is <c>closed</c>.</summary>
internal sealed class RateLimitUnavailableException(Exception inner) : Exception("Rate limits are unavailable (Redis) and the failure mode is closed.", inner);
