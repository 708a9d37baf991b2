using System.Collections.Concurrent;
using Genlook.Gateway.Storage;
using StackExchange.Redis;

namespace Genlook.Gateway.Caching;

/// <summary>
/// What the watch shares between instances: status changes (published by the instance that polls, heard by the
/// others) and each user's open-watch slots. Redis for a cluster; in memory for a single instance.
/// </summary>
internal interface IWatchBus
{
    /// <summary>Tells every instance's subscribers of <paramref name="key"/> about a new answer. At most once.</summary>
    Task PublishAsync(string key, ReadOnlyMemory<byte> message);

    /// <summary>Calls <paramref name="onMessage"/> for every message published on <paramref name="key"/> until disposed.</summary>
    Task<IAsyncDisposable> SubscribeAsync(string key, Action<byte[]> onMessage);

    /// <summary>
    /// Takes one of the user's <paramref name="max"/> watch slots for <paramref name="ttl"/> (renewed by
    /// <see cref="RenewSlotsAsync"/>): <c>null</c> when taken, else how long until the earliest held slot would expire.
    /// </summary>
    Task<TimeSpan?> TryTakeSlotAsync(string pseudonym, string slot, int max, TimeSpan ttl);

    Task RenewSlotsAsync(IReadOnlyCollection<(string Pseudonym, string Slot)> slots, TimeSpan ttl);

    Task ReleaseSlotAsync(string pseudonym, string slot);
}

/// <summary>One instance: changes never leave the process (the hub fans them out itself), slots are counted here.</summary>
internal sealed class InMemoryWatchBus(TimeProvider time) : IWatchBus
{
    private readonly ConcurrentDictionary<string, Dictionary<string, DateTimeOffset>> _slots = new(StringComparer.Ordinal);

    public Task PublishAsync(string key, ReadOnlyMemory<byte> message) => Task.CompletedTask;

    public Task<IAsyncDisposable> SubscribeAsync(string key, Action<byte[]> onMessage) => Task.FromResult<IAsyncDisposable>(Nothing.Instance);

    public Task<TimeSpan?> TryTakeSlotAsync(string pseudonym, string slot, int max, TimeSpan ttl)
    {
        var now = time.GetUtcNow();
        var slots = _slots.GetOrAdd(pseudonym, _ => new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal));
        lock (slots)
        {
            foreach (var (id, expiresAt) in slots)
            {
                if (expiresAt <= now)
                {
                    slots.Remove(id);
                }
            }

            if (slots.Count >= max && !slots.ContainsKey(slot))
            {
                return Task.FromResult<TimeSpan?>(slots.Values.Min() - now);
            }

            slots[slot] = now + ttl;
            return Task.FromResult<TimeSpan?>(null);
        }
    }

    public Task RenewSlotsAsync(IReadOnlyCollection<(string Pseudonym, string Slot)> slots, TimeSpan ttl)
    {
        var expiresAt = time.GetUtcNow() + ttl;
        foreach (var (pseudonym, slot) in slots)
        {
            if (_slots.TryGetValue(pseudonym, out var held))
            {
                lock (held)
                {
                    if (held.ContainsKey(slot))
                    {
                        held[slot] = expiresAt;
                    }
                }
            }
        }

        return Task.CompletedTask;
    }

    public Task ReleaseSlotAsync(string pseudonym, string slot)
    {
        if (_slots.TryGetValue(pseudonym, out var held))
        {
            lock (held)
            {
                held.Remove(slot);
                if (held.Count == 0)
                {
                    // Dropped when empty so the map holds only users with open watches; a racing taker re-adds its own set.
                    _slots.TryRemove(new KeyValuePair<string, Dictionary<string, DateTimeOffset>>(pseudonym, held));
                }
            }
        }

        return Task.CompletedTask;
    }

    private sealed class Nothing : IAsyncDisposable
    {
        public static readonly Nothing Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>
/// Redis: changes go over pub/sub, one channel per watched generation (sharded pub/sub on a cluster, so a message
/// travels to its slot's shard only, not to every node); slots are a sorted set per user scored by expiry
/// (Redis's clock), so the slots of an instance that died expire on their own.
/// </summary>
internal sealed class RedisWatchBus(IConnectionMultiplexer redis) : IWatchBus
{
    // KEYS: the user's slot set; ARGV: slot, max, ttl ms. Returns -1 when taken, else ms until the earliest slot expires.
    private const string TakeScript =
        """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        if not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
          local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
          return math.max(1, tonumber(first[2]) - now)
        end
        redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
        redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
        return -1
        """;

    // KEYS: the user's slot set; ARGV: slot, ttl ms. Only a slot still held (XX): a released one stays released.
    private const string RenewScript =
        """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        if redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[2]), ARGV[1]) == 1 and redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then
          redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
        end
        return 1
        """;

    private bool? _cluster;

    // Known once connected; asked again until then (a cluster's channels must be sharded from the first subscription).
    private bool IsCluster => _cluster ?? (redis.IsConnected ? (_cluster = redis.GetServers().Any(s => s.ServerType == ServerType.Cluster)).Value : redis.GetServers().Any(s => s.ServerType == ServerType.Cluster));

    public static string SlotsKey(string pseudonym) => StoreKeys.UserTag(pseudonym) + ":watches";

    private RedisChannel Channel(string key) => IsCluster ? RedisChannel.Sharded(key + ":watch") : RedisChannel.Literal(key + ":watch");

    public Task PublishAsync(string key, ReadOnlyMemory<byte> message) =>
        Guard(() => redis.GetSubscriber().PublishAsync(Channel(key), message));

    public async Task<IAsyncDisposable> SubscribeAsync(string key, Action<byte[]> onMessage)
    {
        var channel = Channel(key);
        Action<RedisChannel, RedisValue> handler = (_, value) =>
        {
            if (!value.IsNull)
            {
                onMessage((byte[])value!);
            }
        };
        await Guard(() => redis.GetSubscriber().SubscribeAsync(channel, handler));
        return new Subscription(redis, channel, handler);
    }

    public async Task<TimeSpan?> TryTakeSlotAsync(string pseudonym, string slot, int max, TimeSpan ttl)
    {
        var result = (long)await Guard(() => redis.GetDatabase().ScriptEvaluateAsync(TakeScript, [SlotsKey(pseudonym)], [slot, max, (long)ttl.TotalMilliseconds]));
        return result < 0 ? null : TimeSpan.FromMilliseconds(result);
    }

    public Task RenewSlotsAsync(IReadOnlyCollection<(string Pseudonym, string Slot)> slots, TimeSpan ttl)
    {
        // Pipelined: one round trip's worth of waiting for every slot this instance holds.
        var database = redis.GetDatabase();
        var ms = (long)ttl.TotalMilliseconds;
        return Guard(() => Task.WhenAll(slots.Select(s => database.ScriptEvaluateAsync(RenewScript, [SlotsKey(s.Pseudonym)], [s.Slot, ms]))));
    }

    public Task ReleaseSlotAsync(string pseudonym, string slot) =>
        Guard(() => redis.GetDatabase().SortedSetRemoveAsync(SlotsKey(pseudonym), slot));

    private static async Task<T> Guard<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception ex) when (RedisErrors.OutageReason(ex) is { } reason)
        {
            throw new StoreUnavailableException(reason, ex);
        }
    }

    private static async Task Guard(Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (Exception ex) when (RedisErrors.OutageReason(ex) is { } reason)
        {
            throw new StoreUnavailableException(reason, ex);
        }
    }

    private sealed class Subscription(IConnectionMultiplexer redis, RedisChannel channel, Action<RedisChannel, RedisValue> handler) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await redis.GetSubscriber().UnsubscribeAsync(channel, handler);
            }
            catch (Exception ex) when (RedisErrors.OutageReason(ex) is not null)
            {
                // The connection is gone, and the subscription with it.
            }
        }
    }
}
