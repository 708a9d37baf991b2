using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Genlook.Gateway.RateLimiting;

/// <summary>
/// Redis first, within a small budget (<c>RateLimiting:RedisBudget</c>, 50 ms; the batches bound their own wait). A
/// request whose call failed or was late, or that meets the open circuit (<see cref="RateLimitCircuit"/>) or a lost
/// connection, is decided by the failure mode: <c>open</c> serves it from the per-instance fallback (flagged as such),
/// <c>closed</c> refuses it with <c>503</c>.
/// <para>
/// The fallback is bounded: every shared decision tells it what Redis counted (<see cref="InMemoryRateLimitStore.Observe"/>,
/// in memory, no extra round trip), and it grants this instance only its share of the rest, the limit divided by the
/// live instances (<see cref="LiveInstances"/>).
/// </para>
/// </summary>
internal sealed class ResilientRateLimitStore(
    RedisRateLimitStore redis, IConnectionMultiplexer connection, InMemoryRateLimitStore fallback, LiveInstances instances,
    IOptions<RateLimitingOptions> options) : IRateLimitStore
{
    private readonly RateLimitingOptions _options = options.Value;

    public Task<RateLimitDecision> AcquireAsync(RateLimitRequest request, CancellationToken cancellationToken = default) =>
        connection.IsConnected
            ? AwaitRedisAsync(redis.AcquireAsync(request, cancellationToken), request)
            : Task.FromResult(Fallback(request, new RedisDisconnectedException()));

    private async Task<RateLimitDecision> AwaitRedisAsync(Task<RateLimitDecision> pending, RateLimitRequest request)
    {
        try
        {
            var decision = await pending;
            fallback.Observe(request, decision);
            return decision;
        }
        catch (Exception ex) when (RateLimitCircuit.IsRedisFailure(ex))
        {
            return Fallback(request, ex);
        }
    }

    private RateLimitDecision Fallback(RateLimitRequest request, Exception failure)
    {
        if (_options.FailureMode == RateLimitFailureMode.Closed)
        {
            throw new RateLimitUnavailableException(failure);
        }

        return fallback.AcquireShare(request, instances.Count) with { FromFallback = true };
    }

    public async Task HoldAsync(string holdKey, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        // Both: the local hold protects this instance even if Redis is down, the shared one every other instance.
        await fallback.HoldAsync(holdKey, duration, cancellationToken);
        if (!connection.IsConnected)
        {
            return;
        }

        try
        {
            // StackExchange.Redis commands take no CancellationToken: bound the wait instead.
            await redis.HoldAsync(holdKey, duration, cancellationToken).WaitAsync(_options.RedisBudget, CancellationToken.None);
        }
        catch (Exception ex) when (RateLimitCircuit.IsRedisFailure(ex))
        {
        }
    }
}

/// <summary>The multiplexer knows Redis is down: fail without queueing a command.</summary>
internal sealed class RedisDisconnectedException() : Exception("Redis is not connected.");

/// <summary>Redis could not decide and <c>RateLimiting:FailureMode</c> is <c>closed</c>.</summary>
internal sealed class RateLimitUnavailableException(Exception inner) : Exception("Rate limits are unavailable (Redis) and the failure mode is closed.", inner);
