using StackExchange.Redis;
using Genlook.Gateway.Storage;

namespace Genlook.Gateway.RateLimiting;

/// <summary>
/// Sliding-window logs in Redis (a sorted set of admission times per rule): a Lua script checks the account hold and
/// every rule of a request, and charges all rules or none, with Redis's own clock — exact across any number of gateway
/// instances. Keys expire on their own one window after their last admission.
/// Decisions are batched (<see cref="RedisScriptBatcher{TItem,TResult}"/>): requests that ask while a call is out go
/// together in the next one, which decides them one after the other inside Redis, so batching changes no verdict.
/// </summary>
internal sealed class RedisRateLimitStore : IRateLimitStore, IAsyncDisposable
{
    // KEYS: each request's rule keys, then its hold key (if any), request after request.
    // ARGV[1]: now in ms (0: use Redis TIME); ARGV[2]: the number of requests; then per request:
    //   rule count n, 1 when a hold key follows the rule keys, admission id, then per rule: limit, window ms.
    // Returns per request, flattened: allowed (1/0), retry ms, then per rule: remaining, reset ms.
    //
    // The requests of a batch share one "now", so a key's log needs pruning and counting once per batch: its state
    // (count, oldest time, admissions not yet written) is kept in the script, every request sees the admissions of
    // the ones before it, and the admissions are written at the end, one ZADD and one PEXPIRE per key. A batch of
    // try-ons all charging one account budget costs that key five calls, not five per request. Verdicts are the
    // same as deciding the requests one by one.
    internal const string AcquireScript =
        """
        local now = tonumber(ARGV[1])
        if now == 0 then
          local t = redis.call('TIME')
          now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        end
        local logs = {}
        local order = {}
        local holds = {}
        local function flush(key, log)
          if #log.ids > 0 then
            local args = {}
            for j = 1, #log.ids do
              args[2 * j - 1] = now
              args[2 * j] = log.ids[j]
            end
            redis.call('ZADD', key, unpack(args))
            redis.call('PEXPIRE', key, log.window)
            log.ids = {}
          end
        end
        local function open(key, window)
          local log = logs[key]
          if log and log.window == window then return log end
          if log then flush(key, log) end
          redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
          local count = redis.call('ZCARD', key)
          local oldest = nil
          if count > 0 then oldest = tonumber(redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2]) end
          if not log then order[#order + 1] = key end
          log = { count = count, stored = count, oldest = oldest, window = window, ids = {} }
          logs[key] = log
          return log
        end
        local result = {}
        local a = 3
        local k = 1
        for _ = 1, tonumber(ARGV[2]) do
          local n = tonumber(ARGV[a])
          local held = ARGV[a + 1] == '1'
          local id = ARGV[a + 2]
          local base = a + 3
          a = base + 2 * n
          local retry = 0
          local rules = {}
          for i = 0, n - 1 do
            local key = KEYS[k + i]
            local limit = tonumber(ARGV[base + 2 * i])
            local window = tonumber(ARGV[base + 2 * i + 1])
            local log = open(key, window)
            rules[i] = log
            if log.count >= limit then
              -- The (count - limit + 1) oldest must leave the window; this batch's own admissions are the newest.
              local leaving = log.count - limit
              local at = now
              if leaving == 0 and log.oldest then
                at = log.oldest
              elseif leaving < log.stored then
                at = tonumber(redis.call('ZRANGE', key, leaving, leaving, 'WITHSCORES')[2])
              end
              local wait = at + window - now
              if wait > retry then retry = wait end
            end
          end
          if held then
            local holdKey = KEYS[k + n]
            local hold = holds[holdKey]
            if not hold then
              hold = redis.call('PTTL', holdKey)
              holds[holdKey] = hold
            end
            if hold > retry then retry = hold end
          end
          local r = #result
          result[r + 1] = retry > 0 and 0 or 1
          result[r + 2] = math.ceil(retry)
          for i = 0, n - 1 do
            local log = rules[i]
            local limit = tonumber(ARGV[base + 2 * i])
            if retry <= 0 then
              log.count = log.count + 1
              log.ids[#log.ids + 1] = id
              if not log.oldest then log.oldest = now end
            end
            local reset = 0
            if log.count > 0 then reset = log.oldest + log.window - now end
            result[r + 3 + 2 * i] = limit - log.count
            result[r + 4 + 2 * i] = math.ceil(reset)
          end
          k = k + n + (held and 1 or 0)
        end
        for _, key in ipairs(order) do flush(key, logs[key]) end
        return result
        """;

    // KEYS[i]: a rule key; ARGV[i]: the admission id to remove from it (the admissions of an abandoned batch).
    private const string TakeBackScript =
        """
        for i = 1, #KEYS do redis.call('ZREM', KEYS[i], ARGV[i]) end
        return 1
        """;

    // KEYS[1]: the hold key; ARGV[1]: the hold in ms. Holds only ever lengthen: a later, shorter Retry-After (another
    // instance's 429) must not cut a longer one short, as a plain SET PX would. PTTL is -2 for an absent key, and -1
    // for a key without expiry, which the acquire script ignores, so both are replaced.
    private const string HoldScript =
        """
        if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
          redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
        end
        return 1
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly Batcher _batcher;

    /// <param name="redis">The connection.</param>
    /// <param name="budget">How long a decision may wait for Redis (twice this at worst: queued, then in flight).</param>
    /// <param name="failureMode">
    /// What becomes of a request whose decision timed out. <c>closed</c> refuses it, so an admission the script still
    /// makes once a hung Redis resumes is taken back; <c>open</c> serves it from the fallback, and that late admission
    /// is its true record in the shared log, so it stays.
    /// </param>
    /// <param name="circuit">Wraps each script call (<see cref="RateLimitCircuit"/>); none in tests of the store alone.</param>
    public RedisRateLimitStore(IConnectionMultiplexer redis, TimeSpan budget, RateLimitFailureMode failureMode = RateLimitFailureMode.Open, Polly.ResiliencePipeline? circuit = null)
        : this(redis, budget, null, failureMode == RateLimitFailureMode.Closed, circuit)
    {
    }

    /// <summary>With a clock, the script uses its time instead of Redis's (virtual time in tests).</summary>
    public RedisRateLimitStore(IConnectionMultiplexer redis, TimeProvider clock)
        : this(redis, Timeout.InfiniteTimeSpan, clock, takeBackAbandoned: false, circuit: null)
    {
    }

    private RedisRateLimitStore(IConnectionMultiplexer redis, TimeSpan budget, TimeProvider? clock, bool takeBackAbandoned, Polly.ResiliencePipeline? circuit)
    {
        _redis = redis;
        _batcher = new Batcher(redis, budget, clock, takeBackAbandoned, circuit);
    }

    public Task<RateLimitDecision> AcquireAsync(RateLimitRequest request, CancellationToken cancellationToken = default) =>
        _batcher.RunAsync(request);

    public Task HoldAsync(string holdKey, TimeSpan duration, CancellationToken cancellationToken = default) =>
        _redis.GetDatabase().ScriptEvaluateAsync(HoldScript, [holdKey], [(long)Math.Ceiling(duration.TotalMilliseconds)]);

    public ValueTask DisposeAsync() => _batcher.DisposeAsync();

    /// <summary>Each rule key of the requests beside the admission id to take back from it (<see cref="TakeBackScript"/>).</summary>
    private static (RedisKey[] Keys, RedisValue[] Ids) Admissions(IReadOnlyList<RateLimitRequest> requests)
    {
        var keys = new List<RedisKey>();
        var ids = new List<RedisValue>();
        foreach (var request in requests)
        {
            foreach (var rule in request.Rules)
            {
                keys.Add(rule.Key);
                ids.Add(request.AdmissionId);
            }
        }

        return ([.. keys], [.. ids]);
    }

    /// <summary>One round in flight at a time: batches grow exactly as fast as Redis (or the network) is slow.</summary>
    private sealed class Batcher(IConnectionMultiplexer redis, TimeSpan budget, TimeProvider? clock, bool takeBackAbandoned, Polly.ResiliencePipeline? circuit)
        : RedisScriptBatcher<RateLimitRequest, RateLimitDecision>(redis, AcquireScript, "EVALSHA rate-limit", budget, maxInFlight: 1, circuit)
    {
        protected override RedisKey SlotKey(RateLimitRequest item) => item.Rules[0].Key;

        protected override (RedisKey[] Keys, RedisValue[] Args) Encode(IReadOnlyList<RateLimitRequest> items)
        {
            var keyCount = 0;
            var argCount = 2;
            foreach (var request in items)
            {
                keyCount += request.Rules.Count + (request.HoldKey is null ? 0 : 1);
                argCount += 3 + 2 * request.Rules.Count;
            }

            var keys = new RedisKey[keyCount];
            var args = new RedisValue[argCount];
            args[0] = clock is null ? 0 : clock.GetUtcNow().ToUnixTimeMilliseconds();
            args[1] = items.Count;
            int k = 0, a = 2;
            foreach (var request in items)
            {
                var rules = request.Rules;
                args[a++] = rules.Count;
                args[a++] = request.HoldKey is null ? 0 : 1;
                args[a++] = request.AdmissionId;
                for (var i = 0; i < rules.Count; i++)
                {
                    keys[k++] = rules[i].Key;
                    args[a++] = rules[i].PermitLimit;
                    args[a++] = (long)rules[i].Window.TotalMilliseconds;
                }

                if (request.HoldKey is not null)
                {
                    keys[k++] = request.HoldKey;
                }
            }

            return (keys, args);
        }

        protected override void Decode(RedisResult result, IReadOnlyList<RateLimitRequest> items, Span<RateLimitDecision> results)
        {
            var values = (RedisResult[])result!;
            var r = 0;
            for (var n = 0; n < items.Count; n++)
            {
                var rules = items[n].Rules;
                var allowed = (int)values[r] == 1;
                var retry = TimeSpan.FromMilliseconds((long)values[r + 1]);
                var states = new RateLimitState[rules.Count];
                for (var i = 0; i < rules.Count; i++)
                {
                    states[i] = new RateLimitState(
                        Math.Clamp((int)values[r + 2 + 2 * i], 0, rules[i].PermitLimit),
                        TimeSpan.FromMilliseconds((long)values[r + 3 + 2 * i]));
                }

                r += 2 + 2 * rules.Count;
                results[n] = new RateLimitDecision(allowed, retry, states);
            }
        }

        /// <summary>
        /// The batch timed out and, in <c>closed</c> mode, its requests were refused (503): if Redis still runs the
        /// script (a hung server resumes), its admissions would charge requests that never ran, for a whole window.
        /// Taking them back is queued behind the script on the same connection, so it runs after it; a request the
        /// script rejected has nothing to take back. Failure path only, and nobody waits for it.
        /// </summary>
        protected override void Abandoned(IReadOnlyList<RateLimitRequest> items)
        {
            if (!takeBackAbandoned)
            {
                return;
            }

            var (keys, ids) = Admissions(items);
            try
            {
                _ = Redis.GetDatabase().ScriptEvaluateAsync(TakeBackScript, keys, ids, CommandFlags.FireAndForget);
            }
            catch (Exception ex) when (Storage.RedisErrors.IsOutage(ex))
            {
                // No connection: then the script is not going to run on it either.
            }
        }
    }
}
