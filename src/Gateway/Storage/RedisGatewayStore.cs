using Polly;
using Polly.CircuitBreaker;
using StackExchange.Redis;

namespace Genlook.Gateway.Storage;

/// <summary>
/// The shared store on StackExchange.Redis: one multiplexer for the process. When the connection is known to be down,
/// calls fail at once instead of queueing until a timeout, so a dead Redis costs microseconds, not seconds.
/// A Redis that hangs with its connection up (paused, overloaded, a stalled network) is found by a call timing out:
/// the circuit (<see cref="RedisCircuit"/>) then fails calls at once for <see cref="BreakDuration"/>, after which one
/// probe at a time tries again, so only the calls already waiting pay the timeout, not every request of the outage.
/// </summary>
internal sealed class RedisGatewayStore : IGatewayStore, IAsyncDisposable
{
    private readonly IConnectionMultiplexer redis;

    private readonly SetIndexedBatcher setIndexed;

    /// <summary>How long calls fail at once after one timed out. Short: a single slow call must not become a long outage.</summary>
    internal static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Any one timeout opens it (ratio 0; Polly needs at least two calls in the window, so a gateway idle for 10 s
    /// may pay two). Only timeouts count: other outages are answered at once, so failing fast saves nothing.
    /// </summary>
    internal static readonly RedisCircuitOptions Circuit = new(FailureRatio: 0, MinimumThroughput: 2, SamplingDuration: TimeSpan.FromSeconds(10), BreakDuration)
    {
        Counts = static ex => ex is TimeoutException,
    };

    private readonly ResiliencePipeline circuit;

    private readonly StoreOutage outage;

    public RedisGatewayStore(IConnectionMultiplexer redis, StorageMetrics metrics, StoreOutage outage, TimeProvider time, ILogger<RedisGatewayStore> logger)
    {
        this.redis = redis;
        this.outage = outage;
        circuit = RedisCircuit.Create("store", Circuit, time, logger);
        setIndexed = new SetIndexedBatcher(redis, circuit);
        metrics.ObserveRedis(redis);
    }

    // Per item (KEYS: key, index; ARGV: value, ttl ms): sets the value and adds its key to the user's index; the index
    // never expires before its newest member.
    //
    // The index is a sorted set scored by each member's expiry (ms, Redis's clock), so the expired members are a range
    // that a write adding a member removes in the same call (ZREMRANGEBYSCORE): an active user's index never collects
    // dead members for an erase to read and delete. A write that only renews a member prunes nothing.
    private const string SetIndexedScript =
        """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        for i = 1, #KEYS / 2 do
          local key, index, ttl = KEYS[2 * i - 1], KEYS[2 * i], tonumber(ARGV[2 * i])
          redis.call('SET', key, ARGV[2 * i - 1], 'PX', ttl)
          if redis.call('ZADD', index, now + ttl, key) == 1 then
            redis.call('ZREMRANGEBYSCORE', index, '-inf', now)
          end
          if redis.call('PTTL', index) < ttl then redis.call('PEXPIRE', index, ttl) end
        end
        return 1
        """;

    // KEYS: lock, key; ARGV: owner, value, ttl ms. A missing lock reads as false, which equals no owner.
    private const string SetIfHeldScript =
        """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
        redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
        return 1
        """;

    // KEYS: lock; ARGV: owner, ttl ms.
    private const string ExtendIfHeldScript =
        """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
        return redis.call('PEXPIRE', KEYS[1], ARGV[2])
        """;

    // KEYS: lock; ARGV: owner.
    private const string DeleteIfHeldScript =
        """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
        return redis.call('DEL', KEYS[1])
        """;

    public Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        Run("GET", async db => (byte[]?)await db.StringGetAsync(key));

    public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) =>
        Run("EXISTS", db => db.KeyExistsAsync(key));

    public Task SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default) =>
        Run("SET", db => db.StringSetAsync(key, value, timeToLive));

    public Task<bool> SetIfAbsentAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default) =>
        Run("SET NX", db => db.StringSetAsync(key, value, timeToLive, When.NotExists));

    public Task<bool> SetIfHeldAsync(string lockKey, ReadOnlyMemory<byte> owner, string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default) =>
        Run("EVALSHA set-if-held", async db => (long)await db.ScriptEvaluateAsync(SetIfHeldScript, [lockKey, key], [owner, value, Milliseconds(timeToLive)]) == 1);

    public Task<bool> ExtendIfHeldAsync(string key, ReadOnlyMemory<byte> owner, TimeSpan timeToLive, CancellationToken cancellationToken = default) =>
        Run("EVALSHA extend-if-held", async db => (long)await db.ScriptEvaluateAsync(ExtendIfHeldScript, [key], [owner, Milliseconds(timeToLive)]) == 1);

    public Task<bool> DeleteIfHeldAsync(string key, ReadOnlyMemory<byte> owner, CancellationToken cancellationToken = default) =>
        Run("EVALSHA delete-if-held", async db => (long)await db.ScriptEvaluateAsync(DeleteIfHeldScript, [key], [owner]) == 1);

    // Batched: a try-on writes an ownership record on every answer, so these calls are as frequent as requests. The
    // circuit wraps each batch's call, not each item.
    public Task SetIndexedAsync(string indexKey, string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default) =>
        Run("set-indexed", async _ => await setIndexed.RunAsync(new IndexedWrite(indexKey, key, value, Milliseconds(timeToLive))), traced: false, guarded: false);

    public Task<IReadOnlyList<string>> GetIndexAsync(string indexKey, CancellationToken cancellationToken = default) =>
        Run<IReadOnlyList<string>>("ZRANGE", async db => (await db.SortedSetRangeByRankAsync(indexKey)).Select(v => v.ToString()).ToArray());

    // One DEL per hash slot, sent together: in Redis Cluster a multi-key command may not span slots, and an erase
    // deletes a user's keys ({u:…}) with their try-on counters under the account's tag ({a:…}).
    public Task<long> DeleteAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default) =>
        keys.Count == 0 ? Task.FromResult(0L) : Run("DEL", async db =>
        {
            var deletes = keys.Select(k => (RedisKey)k).GroupBy(redis.HashSlot).Select(slot => db.KeyDeleteAsync(slot.ToArray()));
            return (await Task.WhenAll(deletes)).Sum();
        });

    public ValueTask DisposeAsync() => setIndexed.DisposeAsync();

    public Task<TimeSpan> PingAsync(CancellationToken cancellationToken = default) => Run("PING", db => db.PingAsync());

    private async Task<T> Run<T>(string name, Func<IDatabase, Task<T>> operation, bool traced = true, bool guarded = true)
    {
        if (!redis.IsConnected)
        {
            throw Unavailable("NotConnected", "Redis is not connected.");
        }

        using var activity = traced ? Observability.GatewayTelemetry.StartStoreCall(name) : null;
        try
        {
            var database = redis.GetDatabase();
            var result = guarded
                ? await circuit.ExecuteAsync(static (state, _) => new ValueTask<T>(state.operation(state.database)), (operation, database))
                : await operation(database);
            outage.Succeeded();
            return result;
        }
        catch (BrokenCircuitException)
        {
            throw Unavailable("CircuitOpen", "Redis timed out moments ago: calls fail at once until a probe gets an answer.");
        }
        catch (Exception ex) when (RedisErrors.OutageReason(ex) is { } reason)
        {
            throw Unavailable(reason, "Redis could not serve: " + reason, ex);
        }
    }

    private Task Run(string name, Func<IDatabase, Task> operation) => Run(name, async db =>
    {
        await operation(db);
        return true;
    });

    private static long Milliseconds(TimeSpan timeToLive) => (long)Math.Ceiling(timeToLive.TotalMilliseconds);

    private StoreUnavailableException Unavailable(string reason, string message, Exception? inner = null)
    {
        outage.Failed(reason);
        return new StoreUnavailableException(message, inner);
    }

    private readonly record struct IndexedWrite(string Index, string Key, ReadOnlyMemory<byte> Value, long TtlMilliseconds);

    /// <summary>Several writers in flight at once: a slow call must not hold up the others for long.</summary>
    private sealed class SetIndexedBatcher(IConnectionMultiplexer redis, ResiliencePipeline circuit)
        : RedisScriptBatcher<IndexedWrite, bool>(redis, SetIndexedScript, "EVALSHA set-indexed", TimeSpan.FromMilliseconds(redis.TimeoutMilliseconds), maxInFlight: 4, circuit)
    {
        protected override RedisKey SlotKey(IndexedWrite item) => item.Index;

        protected override (RedisKey[] Keys, RedisValue[] Args) Encode(IReadOnlyList<IndexedWrite> items)
        {
            var keys = new RedisKey[2 * items.Count];
            var args = new RedisValue[2 * items.Count];
            for (var i = 0; i < items.Count; i++)
            {
                keys[2 * i] = items[i].Key;
                keys[2 * i + 1] = items[i].Index;
                args[2 * i] = items[i].Value;
                args[2 * i + 1] = items[i].TtlMilliseconds;
            }

            return (keys, args);
        }

        protected override void Decode(RedisResult result, IReadOnlyList<IndexedWrite> items, Span<bool> results) => results.Fill(true);
    }
}
