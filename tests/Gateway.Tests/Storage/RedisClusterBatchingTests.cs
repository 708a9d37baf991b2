using Genlook.Gateway.RateLimiting;
using Genlook.Gateway.Storage;
using Genlook.Gateway.Tests.Infrastructure;
using StackExchange.Redis;

namespace Genlook.Gateway.Tests.Storage;

/// <summary>
/// Batched script calls on a (one-node) Redis Cluster: a round holding many users' items sends one call per hash slot,
/// all at once, rather than one slot per round trip; and every item still gets its own answer.
/// </summary>
public sealed class RedisClusterBatchingTests : IAsyncLifetime
{
    private readonly RedisServer _redis = new() { Cluster = true };
    private ConnectionMultiplexer _connection = null!;

    public async Task InitializeAsync()
    {
        await _redis.StartAsync();
        _connection = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task ManyUsersAtOnce_OneRoundSendsTheirSlotsCallsTogether_EachItemGetsItsAnswer()
    {
        await using var batcher = new IncrementBatcher(_connection);
        var suffix = Guid.NewGuid().ToString("N");
        var keys = Enumerable.Range(0, 300).Select(u => $"test:{{u:{suffix}:{u}}}:count").ToArray();

        // Each user's key twice: the second increment, later in the queue, must see the first.
        var counts = await Task.WhenAll(keys.Concat(keys).Select(batcher.RunAsync));

        Assert.Equal(Enumerable.Repeat(1L, keys.Length).Concat(Enumerable.Repeat(2L, keys.Length)), counts);
        Assert.True(batcher.MostCallsInFlight > 1, "every script call went alone: one hash slot per round trip");
    }

    [Fact]
    public async Task RateLimitBurstOfManyUsers_AdmitsExactlyTheLimitForEach()
    {
        await using var store = new RedisRateLimitStore(_connection, TimeSpan.FromSeconds(5));
        var suffix = Guid.NewGuid().ToString("N");
        var rules = Enumerable.Range(0, 50).Select(u => new RateLimitRule("reads", $"test:{{u:{suffix}:{u}}}:rl", 4, TimeSpan.FromMinutes(1))).ToArray();

        // 50 users x 10 requests at once: 4 each may pass.
        var decisions = await Task.WhenAll(Enumerable.Range(0, 500).Select(i => store.AcquireAsync(new RateLimitRequest([rules[i % 50]], null))));

        for (var user = 0; user < 50; user++)
        {
            Assert.Equal(4, decisions.Where((_, i) => i % 50 == user).Count(d => d.Allowed));
        }
    }

    [Fact]
    public async Task Delete_KeysOfSeveralHashSlots_DeletesThemAll()
    {
        // What a GDPR erase deletes: the user's keys and the try-on counters under the account's hash tag.
        await using var store = TestTelemetry.RedisStore(_connection);
        var suffix = Guid.NewGuid().ToString("N");
        var keys = new[] { $"test:{{u:{suffix}}}:gen:1", $"test:{{u:{suffix}}}:img:1", $"test:{{a:{suffix}}}:rl:tryon", $"test:{{b:{suffix}}}:other" };
        foreach (var key in keys)
        {
            await _connection.GetDatabase().StringSetAsync(key, "v");
        }

        var deleted = await store.DeleteAsync(keys);

        Assert.Equal(keys.Length, deleted);
        foreach (var key in keys)
        {
            Assert.False(await _connection.GetDatabase().KeyExistsAsync(key), key);
        }
    }

    /// <summary>INCR of each item's key, counting the script calls between sending and answer.</summary>
    private sealed class IncrementBatcher(IConnectionMultiplexer redis)
        : RedisScriptBatcher<string, long>(redis, Script, "EVALSHA test-increment", TimeSpan.FromSeconds(5), maxInFlight: 1)
    {
        private const string Script =
            """
            local counts = {}
            for i = 1, #KEYS do counts[i] = redis.call('INCR', KEYS[i]) end
            return counts
            """;

        private int _inFlight;
        private int _mostInFlight;

        public int MostCallsInFlight => Volatile.Read(ref _mostInFlight);

        protected override RedisKey SlotKey(string item) => item;

        protected override (RedisKey[] Keys, RedisValue[] Args) Encode(IReadOnlyList<string> items)
        {
            var inFlight = Interlocked.Increment(ref _inFlight);
            InterlockedMax(ref _mostInFlight, inFlight);
            return (items.Select(item => (RedisKey)item).ToArray(), []);
        }

        protected override void Decode(RedisResult result, IReadOnlyList<string> items, Span<long> results)
        {
            Interlocked.Decrement(ref _inFlight);
            var counts = (RedisResult[])result!;
            for (var i = 0; i < items.Count; i++)
            {
                results[i] = (long)counts[i];
            }
        }

        private static void InterlockedMax(ref int target, int value)
        {
            var current = Volatile.Read(ref target);
            while (value > current && Interlocked.CompareExchange(ref target, value, current) is var seen && seen != current)
            {
                current = seen;
            }
        }
    }
}
