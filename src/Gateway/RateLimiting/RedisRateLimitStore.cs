using StackExchange.Redis;

namespace Genlook.Gateway.RateLimiting;

/// <summary>
/// Sliding-window logs in Redis (a sorted set of admission times per rule): one Lua script per request checks the
/// account hold and every rule, and charges all rules or none, with Redis's own clock — exact across any number of
/// gateway instances, in one round trip. Keys expire on their own one window after their last admission.
/// </summary>
internal sealed class RedisRateLimitStore(IConnectionMultiplexer redis) : IRateLimitStore
{
    // KEYS[1..n]: rule keys (sorted sets of admissions); KEYS[n+1]: hold key (optional).
    // ARGV[1]: now in ms (0: use Redis TIME); ARGV[2]: n; ARGV[3]: 1 when KEYS[n+1] is a hold key; ARGV[4]: admission id;
    // then per rule: limit, window ms.
    // Returns { allowed, retry_ms, remaining_1, reset_ms_1, ... }.
    private const string AcquireScript =
        """
        local now = tonumber(ARGV[1])
        if now == 0 then
          local t = redis.call('TIME')
          now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        end
        local n = tonumber(ARGV[2])
        local retry = 0
        local counts = {}
        for i = 1, n do
          local limit = tonumber(ARGV[3 + 2 * i])
          local window = tonumber(ARGV[4 + 2 * i])
          redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
          local count = redis.call('ZCARD', KEYS[i])
          counts[i] = count
          if count >= limit then
            local leaving = redis.call('ZRANGE', KEYS[i], count - limit, count - limit, 'WITHSCORES')
            local wait = tonumber(leaving[2]) + window - now
            if wait > retry then retry = wait end
          end
        end
        if tonumber(ARGV[3]) == 1 then
          local hold = redis.call('PTTL', KEYS[n + 1])
          if hold > retry then retry = hold end
        end
        local result = {1, math.ceil(retry)}
        if retry > 0 then result[1] = 0 end
        for i = 1, n do
          local limit = tonumber(ARGV[3 + 2 * i])
          local window = tonumber(ARGV[4 + 2 * i])
          if retry <= 0 then
            redis.call('ZADD', KEYS[i], now, ARGV[4])
            redis.call('PEXPIRE', KEYS[i], window)
            counts[i] = counts[i] + 1
          end
          local reset = 0
          local oldest = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
          if oldest[2] then reset = tonumber(oldest[2]) + window - now end
          result[1 + 2 * i] = limit - counts[i]
          result[2 + 2 * i] = math.ceil(reset)
        end
        return result
        """;

    // KEYS[1..n]: rule keys; ARGV[1]: the admission id to remove.
    private const string RefundScript =
        """
        for i = 1, #KEYS do redis.call('ZREM', KEYS[i], ARGV[1]) end
        return 1
        """;

    private readonly TimeProvider? _clock;

    /// <summary>With a clock, the script uses its time instead of Redis's (virtual time in tests).</summary>
    public RedisRateLimitStore(IConnectionMultiplexer redis, TimeProvider clock)
        : this(redis) => _clock = clock;

    public async Task<RateLimitDecision> AcquireAsync(RateLimitRequest request, CancellationToken cancellationToken = default)
    {
        var rules = request.Rules;
        var keys = new RedisKey[rules.Count + (request.HoldKey is null ? 0 : 1)];
        var args = new RedisValue[4 + 2 * rules.Count];
        args[0] = _clock is null ? 0 : _clock.GetUtcNow().ToUnixTimeMilliseconds();
        args[1] = rules.Count;
        args[2] = request.HoldKey is null ? 0 : 1;
        args[3] = request.AdmissionId;
        for (var i = 0; i < rules.Count; i++)
        {
            keys[i] = rules[i].Key;
            args[4 + 2 * i] = rules[i].PermitLimit;
            args[5 + 2 * i] = (long)rules[i].Window.TotalMilliseconds;
        }

        if (request.HoldKey is not null)
        {
            keys[^1] = request.HoldKey;
        }

        RedisResult[] result;
        using (Observability.GatewayTelemetry.StartStoreCall("EVALSHA rate-limit"))
        {
            result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(AcquireScript, keys, args))!;
        }

        var states = new RateLimitState[rules.Count];
        for (var i = 0; i < rules.Count; i++)
        {
            states[i] = new RateLimitState(Math.Clamp((int)result[2 + 2 * i], 0, rules[i].PermitLimit), TimeSpan.FromMilliseconds((long)result[3 + 2 * i]));
        }

        return new RateLimitDecision((int)result[0] == 1, TimeSpan.FromMilliseconds((long)result[1]), states);
    }

    public Task RefundAsync(RateLimitRequest request, CancellationToken cancellationToken = default) =>
        redis.GetDatabase().ScriptEvaluateAsync(RefundScript, request.Rules.Select(r => (RedisKey)r.Key).ToArray(), [request.AdmissionId]);

    public Task HoldAsync(string holdKey, TimeSpan duration, CancellationToken cancellationToken = default) =>
        redis.GetDatabase().StringSetAsync(holdKey, "1", duration);
}
