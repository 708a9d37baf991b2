using Genlook.Gateway.RateLimiting;
using Genlook.Gateway.Tests.Infrastructure;
using StackExchange.Redis;

namespace Genlook.Gateway.Tests.RateLimiting;

/// <summary>
/// Genlook's <c>Retry-After</c> holds an account's try-ons: one behaviour for both stores, so a later, shorter
/// <c>Retry-After</c> (another instance's 429, or the same one answered again) never cuts a longer hold short.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class AccountHoldTests(RedisServer redis) : IAsyncLifetime
{
    private ConnectionMultiplexer _connection = null!;

    public async Task InitializeAsync() => _connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    public static TheoryData<string> Stores() => new() { "memory", "redis" };

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task HoldAsync_ShorterHoldAfterALongerOne_KeepsTheLongerHold(string kind)
    {
        await using var redisStore = new RedisRateLimitStore(_connection, TimeSpan.FromSeconds(5));
        IRateLimitStore store = kind == "redis" ? redisStore : new InMemoryRateLimitStore(TimeProvider.System);
        var holdKey = $"test:hold:{Guid.NewGuid():N}";
        var tryOn = new RateLimitRequest([new RateLimitRule("tryon", holdKey + ":rl", 100, TimeSpan.FromMinutes(1))], holdKey);

        await store.HoldAsync(holdKey, TimeSpan.FromSeconds(30));
        await store.HoldAsync(holdKey, TimeSpan.FromSeconds(1));

        var decision = await store.AcquireAsync(tryOn);
        Assert.False(decision.Allowed);
        Assert.InRange(decision.RetryAfter.TotalSeconds, 25, 30);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task HoldAsync_LongerHoldAfterAShorterOne_ExtendsTheHold(string kind)
    {
        await using var redisStore = new RedisRateLimitStore(_connection, TimeSpan.FromSeconds(5));
        IRateLimitStore store = kind == "redis" ? redisStore : new InMemoryRateLimitStore(TimeProvider.System);
        var holdKey = $"test:hold:{Guid.NewGuid():N}";
        var tryOn = new RateLimitRequest([new RateLimitRule("tryon", holdKey + ":rl", 100, TimeSpan.FromMinutes(1))], holdKey);

        await store.HoldAsync(holdKey, TimeSpan.FromSeconds(1));
        await store.HoldAsync(holdKey, TimeSpan.FromSeconds(30));

        var decision = await store.AcquireAsync(tryOn);
        Assert.False(decision.Allowed);
        Assert.InRange(decision.RetryAfter.TotalSeconds, 25, 30);
    }
}
