using System.Diagnostics;
using StackExchange.Redis;

namespace Genlook.Gateway.Storage;

/// <summary>
/// The shared store on StackExchange.Redis: one multiplexer for the process. When the connection is known to be down,
/// calls fail at once instead of queueing until a timeout, so a dead Redis costs microseconds, not seconds.
/// </summary>
internal sealed class RedisGatewayStore : IGatewayStore
{
    private readonly IConnectionMultiplexer redis;

    public RedisGatewayStore(IConnectionMultiplexer redis, Observability.GatewayTelemetry telemetry)
    {
        this.redis = redis;
        telemetry.Meter.CreateObservableGauge("gateway.redis.available", () => redis.IsConnected ? 1 : 0, "{bool}",
            "1 while the gateway's Redis connection is up, 0 while it is down.");
    }

    // Sets the value and adds its key to the user's index; the index never expires before its newest member.
    private static readonly LuaScript SetIndexedScript = LuaScript.Prepare(
        """
        redis.call('SET', @key, @value, 'PX', @ttl)
        redis.call('SADD', @index, @key)
        local current = redis.call('PTTL', @index)
        if current < tonumber(@ttl) then redis.call('PEXPIRE', @index, @ttl) end
        return 1
        """);

    public Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        Run("GET", async db => (byte[]?)await db.StringGetAsync(key));

    public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) =>
        Run("EXISTS", db => db.KeyExistsAsync(key));

    public Task SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default) =>
        Run("SET", db => db.StringSetAsync(key, value, timeToLive));

    public Task<bool> SetIfAbsentAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default) =>
        Run("SET NX", db => db.StringSetAsync(key, value, timeToLive, When.NotExists));

    public Task SetIndexedAsync(string indexKey, string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default) =>
        Run("EVALSHA set-indexed", db => db.ScriptEvaluateAsync(SetIndexedScript, new
        {
            key = (RedisKey)key,
            index = (RedisKey)indexKey,
            value = (RedisValue)value,
            ttl = (long)Math.Ceiling(timeToLive.TotalMilliseconds),
        }));

    public Task<IReadOnlyList<string>> GetIndexAsync(string indexKey, CancellationToken cancellationToken = default) =>
        Run<IReadOnlyList<string>>("SMEMBERS", async db => (await db.SetMembersAsync(indexKey)).Select(v => v.ToString()).ToArray());

    public Task<long> DeleteAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default) =>
        keys.Count == 0 ? Task.FromResult(0L) : Run("DEL", db => db.KeyDeleteAsync(keys.Select(k => (RedisKey)k).ToArray()));

    public Task<TimeSpan> PingAsync(CancellationToken cancellationToken = default) => Run("PING", db => db.PingAsync());

    private async Task<T> Run<T>(string name, Func<IDatabase, Task<T>> operation)
    {
        if (!redis.IsConnected)
        {
            throw new StoreUnavailableException("Redis is not connected.");
        }

        using var activity = Observability.GatewayTelemetry.StartStoreCall(name);
        try
        {
            return await operation(redis.GetDatabase());
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException || (ex is RedisServerException server && IsTransient(server.Message)))
        {
            throw new StoreUnavailableException("Redis did not answer: " + ex.GetType().Name, ex);
        }
    }

    private Task Run(string name, Func<IDatabase, Task> operation) => Run(name, async db =>
    {
        await operation(db);
        return true;
    });

    private static bool IsTransient(string message) =>
        message.StartsWith("LOADING", StringComparison.Ordinal) || message.StartsWith("MASTERDOWN", StringComparison.Ordinal) ||
        message.StartsWith("READONLY", StringComparison.Ordinal) || message.StartsWith("TRYAGAIN", StringComparison.Ordinal);
}
