using System.Globalization;
using StackExchange.Redis;

namespace Genlook.Gateway.RateLimiting;

/// <summary>
/// GCRA in Redis: one Lua script per request checks the account hold and every rule, and charges all rules or none,
/// with Redis's own clock — exact across any number of gateway instances, in one round trip. Keys expire on their own
/// when their budget is full again.
/// </summary>
internal sealed class RedisRateLimitStore(IConnectionMultiplexer redis) : IRateLimitStore
{
    // KEYS[1..n]: rule keys; KEYS[n+1]: hold key (optional).
    // ARGV[1]: now in ms (0: use Redis TIME); ARGV[2]: n; ARGV[3]: 1 when KEYS[n+1] is a hold key;
    // then per rule: emission interval ms, window ms.
    // Returns { allowed, retry_ms, remaining_1, reset_ms_1, ... }.
    private const string AcquireScript =
        """
        local now = tonumber(ARGV[1])
        if now == 0 then
          local t = redis.call('TIME')
          now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
        end
        local n = tonumber(ARGV[2])
        local result = {1, 0}
        local tats = {}
        local news = {}
        local retry = 0
        for i = 1, n do
          local interval = tonumber(ARGV[2 + 2 * i])
          local window = tonumber(ARGV[3 + 2 * i])
          local tat = tonumber(redis.call('GET', KEYS[i]) or now)
          if tat < now then tat = now end
          tats[i] = tat
          news[i] = tat + interval
          local allow_at = news[i] - window
          if allow_at - now > 0.001 and allow_at - now > retry then retry = allow_at - now end
        end
        if tonumber(ARGV[3]) == 1 then
          local hold = redis.call('PTTL', KEYS[n + 1])
          if hold > 0 and hold > retry then retry = hold end
        end
        if retry > 0 then result[1] = 0 end
        result[2] = math.ceil(retry)
        for i = 1, n do
          local interval = tonumber(ARGV[2 + 2 * i])
          local window = tonumber(ARGV[3 + 2 * i])
          local tat = tats[i]
          if retry <= 0 then
            tat = news[i]
            redis.call('SET', KEYS[i], string.format('%.3f', tat), 'PX', math.ceil(tat - now))
          end
          local used = tat - now
          result[1 + 2 * i] = math.floor((window - used) / interval + 1e-9)
          result[2 + 2 * i] = math.ceil(used)
        end
        return result
        """;

    // KEYS[1..n]: rule keys; ARGV[i]: emission interval ms of rule i. Gives one permit back where state exists.
    private const string RefundScript =
        """
        for i = 1, #KEYS do
          local tat = redis.call('GET', KEYS[i])
          local ttl = redis.call('PTTL', KEYS[i])
          if tat and ttl > 0 then
            local interval = tonumber(ARGV[i])
            if ttl - interval > 0 then
              redis.call('SET', KEYS[i], string.format('%.3f', tonumber(tat) - interval), 'PX', math.ceil(ttl - interval))
            else
              redis.call('DEL', KEYS[i])
            end
          end
        end
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
        var args = new RedisValue[3 + 2 * rules.Count];
        args[0] = _clock is null ? 0 : _clock.GetUtcNow().ToUnixTimeMilliseconds();
        args[1] = rules.Count;
        args[2] = request.HoldKey is null ? 0 : 1;
        for (var i = 0; i < rules.Count; i++)
        {
            keys[i] = rules[i].Key;
            args[3 + 2 * i] = rules[i].EmissionIntervalMs.ToString("R", CultureInfo.InvariantCulture);
            args[4 + 2 * i] = (long)rules[i].Window.TotalMilliseconds;
        }

        if (request.HoldKey is not null)
        {
            keys[^1] = request.HoldKey;
        }

        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(AcquireScript, keys, args))!;
        var states = new RateLimitState[rules.Count];
        for (var i = 0; i < rules.Count; i++)
        {
            states[i] = new RateLimitState(Math.Clamp((int)result[2 + 2 * i], 0, rules[i].PermitLimit), TimeSpan.FromMilliseconds((long)result[3 + 2 * i]));
        }

        return new RateLimitDecision((int)result[0] == 1, TimeSpan.FromMilliseconds((long)result[1]), states);
    }

    public Task RefundAsync(RateLimitRequest request, CancellationToken cancellationToken = default) =>
        redis.GetDatabase().ScriptEvaluateAsync(RefundScript,
            request.Rules.Select(r => (RedisKey)r.Key).ToArray(),
            request.Rules.Select(r => (RedisValue)r.EmissionIntervalMs.ToString("R", CultureInfo.InvariantCulture)).ToArray());

    public Task HoldAsync(string holdKey, TimeSpan duration, CancellationToken cancellationToken = default) =>
        redis.GetDatabase().StringSetAsync(holdKey, "1", duration);
}
