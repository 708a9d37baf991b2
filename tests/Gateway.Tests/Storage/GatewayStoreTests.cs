using System.Text;
using Genlook.Gateway.Storage;
using Genlook.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Genlook.Gateway.Tests.Storage;

/// <summary>One behaviour for both stores: the in-memory one must not surprise anyone who later switches to Redis.</summary>
[Collection(RedisCollection.Name)]
public sealed class GatewayStoreTests(RedisServer redis) : IAsyncLifetime
{
    private ConnectionMultiplexer _connection = null!;

    public async Task InitializeAsync() =>
        _connection = await ConnectionMultiplexer.ConnectAsync(StorageExtensions.CreateRedisOptions(redis.ConnectionString));

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    public static TheoryData<string> Stores() => new() { "memory", "redis" };

    private IGatewayStore Create(string kind) =>
        kind == "redis" ? TestTelemetry.RedisStore(_connection) : new InMemoryGatewayStore(TimeProvider.System);

    private static string Unique(string name) => $"test:{Guid.NewGuid():N}:{name}";

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task SetThenGet_ReturnsValue(string kind)
    {
        var store = Create(kind);
        var key = Unique("k");

        await store.SetAsync(key, "v1"u8.ToArray(), TimeSpan.FromMinutes(1));

        Assert.Equal("v1", Encoding.UTF8.GetString((await store.GetAsync(key))!));
        Assert.True(await store.ExistsAsync(key));
        Assert.Null(await store.GetAsync(Unique("absent")));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task SetIfAbsent_SecondWriterLoses(string kind)
    {
        var store = Create(kind);
        var key = Unique("lock");

        var first = await store.SetIfAbsentAsync(key, "a"u8.ToArray(), TimeSpan.FromMinutes(1));
        var second = await store.SetIfAbsentAsync(key, "b"u8.ToArray(), TimeSpan.FromMinutes(1));

        Assert.True(first);
        Assert.False(second);
        Assert.Equal("a", Encoding.UTF8.GetString((await store.GetAsync(key))!));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task SetIfHeld_OnlyTheLocksOwnerWrites(string kind)
    {
        var store = Create(kind);
        var lockKey = Unique("lock");
        var key = Unique("job");
        await store.SetIfAbsentAsync(lockKey, "owner"u8.ToArray(), TimeSpan.FromMinutes(1));

        var byAnother = await store.SetIfHeldAsync(lockKey, "another"u8.ToArray(), key, "stale"u8.ToArray(), TimeSpan.FromMinutes(1));
        var withoutLock = await store.SetIfHeldAsync(Unique("no-lock"), "owner"u8.ToArray(), key, "stale"u8.ToArray(), TimeSpan.FromMinutes(1));
        var byOwner = await store.SetIfHeldAsync(lockKey, "owner"u8.ToArray(), key, "fresh"u8.ToArray(), TimeSpan.FromMinutes(1));

        Assert.False(byAnother);
        Assert.False(withoutLock);
        Assert.True(byOwner);
        Assert.Equal("fresh", Encoding.UTF8.GetString((await store.GetAsync(key))!));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task DeleteIfHeld_ByAnotherOwner_LeavesTheLock(string kind)
    {
        var store = Create(kind);
        var lockKey = Unique("lock");
        await store.SetIfAbsentAsync(lockKey, "successor"u8.ToArray(), TimeSpan.FromMinutes(1));

        var byLateHolder = await store.DeleteIfHeldAsync(lockKey, "late-holder"u8.ToArray());

        Assert.False(byLateHolder);
        Assert.Equal("successor", Encoding.UTF8.GetString((await store.GetAsync(lockKey))!));
        Assert.True(await store.DeleteIfHeldAsync(lockKey, "successor"u8.ToArray()));
        Assert.False(await store.ExistsAsync(lockKey));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task ExtendIfHeld_OnlyTheLocksOwnerExtends(string kind)
    {
        var store = Create(kind);
        var lockKey = Unique("lock");
        await store.SetIfAbsentAsync(lockKey, "owner"u8.ToArray(), TimeSpan.FromMinutes(1));

        var byAnother = await store.ExtendIfHeldAsync(lockKey, "another"u8.ToArray(), TimeSpan.FromMinutes(10));
        var withoutLock = await store.ExtendIfHeldAsync(Unique("no-lock"), "owner"u8.ToArray(), TimeSpan.FromMinutes(10));
        var byOwner = await store.ExtendIfHeldAsync(lockKey, "owner"u8.ToArray(), TimeSpan.FromMinutes(10));

        Assert.False(byAnother);
        Assert.False(withoutLock);
        Assert.True(byOwner);
        Assert.Equal("owner", Encoding.UTF8.GetString((await store.GetAsync(lockKey))!));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task SetIndexed_RecordsKeyInIndex_AndDeleteRemovesBoth(string kind)
    {
        var store = Create(kind);
        var pseudonym = Guid.NewGuid().ToString("N");
        var index = StoreKeys.UserIndex(pseudonym);
        var first = StoreKeys.UserKey(pseudonym, "default", "gen", "g1");
        var second = StoreKeys.UserKey(pseudonym, "default", "img", "i1");

        await store.SetIndexedAsync(index, first, "1"u8.ToArray(), TimeSpan.FromMinutes(1));
        await store.SetIndexedAsync(index, second, "1"u8.ToArray(), TimeSpan.FromMinutes(2));

        Assert.Equal([first, second], (await store.GetIndexAsync(index)).Order());
        var deleted = await store.DeleteAsync([.. await store.GetIndexAsync(index), index]);
        Assert.Equal(3, deleted);
        Assert.Empty(await store.GetIndexAsync(index));
        Assert.False(await store.ExistsAsync(first));
    }

    [Fact]
    public async Task InMemory_ExpiredEntries_AreGone()
    {
        var time = new FakeTimeProvider();
        var store = new InMemoryGatewayStore(time);
        await store.SetAsync("k", "v"u8.ToArray(), TimeSpan.FromSeconds(10));
        await store.SetIndexedAsync("i", "k2", "v"u8.ToArray(), TimeSpan.FromSeconds(10));

        time.Advance(TimeSpan.FromSeconds(11));

        Assert.Null(await store.GetAsync("k"));
        Assert.False(await store.ExistsAsync("k2"));
        Assert.Empty(await store.GetIndexAsync("i"));
        Assert.True(await store.SetIfAbsentAsync("k", "w"u8.ToArray(), TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task InMemory_ExtendedLock_OutlivesItsFirstTimeToLive_ThenLapsesForItsOwner()
    {
        var time = new FakeTimeProvider();
        var store = new InMemoryGatewayStore(time);
        await store.SetIfAbsentAsync("lock", "owner"u8.ToArray(), TimeSpan.FromSeconds(10));

        time.Advance(TimeSpan.FromSeconds(8));
        Assert.True(await store.ExtendIfHeldAsync("lock", "owner"u8.ToArray(), TimeSpan.FromSeconds(10)));
        time.Advance(TimeSpan.FromSeconds(8));
        Assert.False(await store.SetIfAbsentAsync("lock", "another"u8.ToArray(), TimeSpan.FromSeconds(10)));
        Assert.True(await store.SetIfHeldAsync("lock", "owner"u8.ToArray(), "job", "v1"u8.ToArray(), TimeSpan.FromMinutes(1)));

        time.Advance(TimeSpan.FromSeconds(3));
        Assert.True(await store.SetIfAbsentAsync("lock", "another"u8.ToArray(), TimeSpan.FromSeconds(10)));
        Assert.False(await store.SetIfHeldAsync("lock", "owner"u8.ToArray(), "job", "v2"u8.ToArray(), TimeSpan.FromMinutes(1)));
        Assert.False(await store.ExtendIfHeldAsync("lock", "owner"u8.ToArray(), TimeSpan.FromSeconds(10)));
        Assert.Equal("v1", Encoding.UTF8.GetString((await store.GetAsync("job"))!));
    }

    [Fact]
    public async Task InMemory_ExpiredEntriesNobodyReads_AreSweptByALaterWrite()
    {
        var time = new FakeTimeProvider();
        var store = new InMemoryGatewayStore(time);
        await store.SetAsync("long", "v"u8.ToArray(), TimeSpan.FromHours(1)); // the first write sweeps (nothing yet)
        for (var i = 0; i < 100; i++)
        {
            await store.SetIndexedAsync("index", $"short:{i}", "v"u8.ToArray(), TimeSpan.FromSeconds(5));
        }

        Assert.Equal(101, store.Count); // no write since the first is due to sweep
        time.Advance(InMemoryGatewayStore.SweepInterval + TimeSpan.FromSeconds(1));

        // The next write starts a sweep in the background: only the live entries stay.
        await store.SetAsync("trigger", "v"u8.ToArray(), TimeSpan.FromHours(1));
        Assert.True(await Poll.UntilAsync(() => Task.FromResult(store.Count == 2)), $"{store.Count} entries left");
        Assert.NotNull(await store.GetAsync("long"));
        Assert.Empty(await store.GetIndexAsync("index"));
    }

    [Fact]
    public async Task Redis_Values_ExpireOnTheirOwn()
    {
        var store = Create("redis");
        var key = Unique("ttl");
        var pseudonym = Guid.NewGuid().ToString("N");

        await store.SetAsync(key, "v"u8.ToArray(), TimeSpan.FromSeconds(30));
        await store.SetIndexedAsync(StoreKeys.UserIndex(pseudonym), StoreKeys.UserKey(pseudonym, "a", "gen", "1"), "v"u8.ToArray(), TimeSpan.FromSeconds(30));

        var db = _connection.GetDatabase();
        Assert.InRange((await db.KeyTimeToLiveAsync(key))!.Value.TotalSeconds, 1, 30);
        Assert.InRange((await db.KeyTimeToLiveAsync(StoreKeys.UserIndex(pseudonym)))!.Value.TotalSeconds, 1, 30);
    }

    [Fact]
    public async Task Redis_IndexOfAnActiveUser_ShrinksToAboutItsLiveMembers()
    {
        var store = Create("redis");
        var db = _connection.GetDatabase();
        var pseudonym = Guid.NewGuid().ToString("N");
        var index = StoreKeys.UserIndex(pseudonym);
        var expired = Enumerable.Range(0, 300).Select(i => StoreKeys.UserKey(pseudonym, "a", "status", "old" + i)).ToArray();
        var live = Enumerable.Range(0, 100).Select(i => StoreKeys.UserKey(pseudonym, "a", "gen", "new" + i)).ToArray();
        await store.SetIndexedAsync(index, StoreKeys.UserKey(pseudonym, "a", "gen", "keeps-the-index"), "v"u8.ToArray(), TimeSpan.FromMinutes(1));
        await Task.WhenAll(expired.Select(key => store.SetIndexedAsync(index, key, "v"u8.ToArray(), TimeSpan.FromMilliseconds(200))));
        Assert.True(await Poll.UntilAsync(async () => await db.KeyExistsAsync(expired.Select(k => (RedisKey)k).ToArray()) == 0), "short-lived keys did not expire");

        // The user keeps writing: a new member prunes the dead ones.
        foreach (var key in live)
        {
            await store.SetIndexedAsync(index, key, "v"u8.ToArray(), TimeSpan.FromMinutes(1));
        }

        var members = (await store.GetIndexAsync(index)).ToHashSet();
        Assert.Superset(live.ToHashSet(), members); // never a live member
        Assert.Equal(live.Length + 1, members.Count); // was 401 without pruning
    }

    [Fact]
    public async Task InMemory_IndexOfAnActiveUser_DropsItsExpiredMembers()
    {
        var time = new FakeTimeProvider();
        var store = new InMemoryGatewayStore(time);
        await store.SetIndexedAsync("index", "long", "v"u8.ToArray(), TimeSpan.FromHours(1)); // the first write sweeps (nothing yet)
        for (var i = 0; i < 100; i++)
        {
            await store.SetIndexedAsync("index", $"short:{i}", "v"u8.ToArray(), TimeSpan.FromSeconds(5));
        }

        time.Advance(InMemoryGatewayStore.SweepInterval + TimeSpan.FromSeconds(1));

        // The next write starts a sweep in the background: the index, still alive, keeps only its live members.
        await store.SetIndexedAsync("index", "new", "v"u8.ToArray(), TimeSpan.FromHours(1));
        Assert.True(await Poll.UntilAsync(async () => (await store.GetIndexAsync("index")).Count == 2), $"{(await store.GetIndexAsync("index")).Count} members left");
        Assert.Equal(["long", "new"], (await store.GetIndexAsync("index")).Order());
    }

    [Fact]
    public async Task Redis_ExtendIfHeld_SetsTheNewTimeToLive()
    {
        var store = Create("redis");
        var lockKey = Unique("lock");
        await store.SetIfAbsentAsync(lockKey, "owner"u8.ToArray(), TimeSpan.FromSeconds(30));

        await store.ExtendIfHeldAsync(lockKey, "owner"u8.ToArray(), TimeSpan.FromMinutes(10));

        Assert.InRange((await _connection.GetDatabase().KeyTimeToLiveAsync(lockKey))!.Value.TotalSeconds, 60, 600);
    }

    [Fact]
    public async Task Redis_WhenServerIsDown_FailsFastWithStoreUnavailable()
    {
        await using var dead = new RedisServer();
        await dead.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(StorageExtensions.CreateRedisOptions(dead.ConnectionString));
        var store = TestTelemetry.RedisStore(connection);
        await dead.StopAsync();
        await Poll.UntilAsync(() => Task.FromResult(!connection.IsConnected));

        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.GetAsync("k"));
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.PingAsync());
    }
}
