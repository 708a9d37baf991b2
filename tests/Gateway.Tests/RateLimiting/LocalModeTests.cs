using System.Net;
using Genlook.Gateway.Identity;
using Genlook.Gateway.RateLimiting;
using Genlook.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Genlook.Gateway.Tests.RateLimiting;

/// <summary>
/// The <c>local</c> mode (CONTRACT §6) with real redis-servers: two gateway instances hold a cluster-wide limit within
/// the bound, memory stays bounded by recently active keys, and without Redis each instance keeps deciding with its
/// share and pushes what it admitted once Redis is back.
/// </summary>
public sealed class LocalModeTests
{
    private const int Limit = 20;

    private static readonly DateTimeOffset Start = DateTimeOffset.UnixEpoch.AddDays(20000);

    [Fact]
    public async Task BurstAcrossTwoInstances_AdmitsWithinTheBound_ThenBothHoldTheLimitOnceSynced()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["RateLimiting:Policies:reads:PermitLimit"] = Limit.ToString(),
            ["RateLimiting:Policies:reads:Window"] = "00:01:00",
        };
        await using var first = await GatewayApp.StartAsync(redis.ConnectionString, settings);
        await using var second = await GatewayApp.StartAsync(redis.ConnectionString, settings, emulator: first.Emulator);
        var clients = new[] { first.ClientFor("local-burst-user"), second.ClientFor("local-burst-user") };

        // A burst of three limits at once, split across both: each instance admits at most the limit on its own
        // count, so the cluster admits at least L and at most N·L (the bound for arrivals within two sync intervals).
        var burst = await Task.WhenAll(Enumerable.Range(0, Limit * 3).Select(i => clients[i % 2].GetAsync("/tryon/v1/products")));
        var admitted = burst.Count(r => r.StatusCode == HttpStatusCode.OK);
        Assert.InRange(admitted, Limit, 2 * Limit);
        Assert.Equal(Limit * 3 - admitted, burst.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests));
        await ErrorAssert.IsError(burst.First(r => r.StatusCode == HttpStatusCode.TooManyRequests), HttpStatusCode.TooManyRequests, "RATE_LIMITED");

        // Within a sync interval both instances know the limit is reached (the one that saw it announces it to the
        // other), and admit nothing more in the window.
        var key = RateLimitKeys.UserPolicy(new GatewayUserFeature(TestTokens.PseudonymOf("local-burst-user"), "default"), RateLimitPolicies.Reads);
        foreach (var app in new[] { first, second })
        {
            var limiter = app.Services.GetRequiredService<LocalRateLimiter>();
            Assert.True(await Poll.UntilAsync(() => Task.FromResult(limiter.KnownCount(key) >= Limit), TimeSpan.FromSeconds(10)));
        }

        var after = await Task.WhenAll(Enumerable.Range(0, Limit * 2).Select(i => clients[i % 2].GetAsync("/tryon/v1/products")));
        Assert.All(after, r => Assert.Equal(HttpStatusCode.TooManyRequests, r.StatusCode));
        Assert.Equal(admitted, first.Emulator.Requests.Matching("GET", "/tryon/v1/products").Count);

        // Another user is untouched.
        Assert.Equal(HttpStatusCode.OK, (await second.ClientFor("someone-else").GetAsync("/tryon/v1/products")).StatusCode);
    }

    [Fact]
    public async Task TenThousandUsers_AreTrackedAndSynced_ThenDroppedOnceIdlePastTheirWindow()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var time = new FakeTimeProvider(Start);
        var limiter = new LocalRateLimiter(connection, time, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), () => 1, new InMemoryRateLimitStore(time));
        var rules = Enumerable.Range(0, 10_000).Select(u => new RateLimitRule("reads", $"test:many:{u}", 3, TimeSpan.FromSeconds(2))).ToArray();

        foreach (var rule in rules)
        {
            Assert.True(limiter.Decide(new RateLimitRequest([rule], null)).Allowed);
            Assert.True(limiter.Decide(new RateLimitRequest([rule], null)).Allowed);
        }

        Assert.Equal(10_000, limiter.KeyCount);
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(await limiter.SyncOnceAsync());
        Assert.All(rules.Where((_, i) => i % 997 == 0), rule => Assert.Equal(2, limiter.KnownCount(rule.Key)));

        // Untouched for a window: nothing counted, nothing pending, so the next sweep drops them all.
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.True(await limiter.SyncOnceAsync());
        Assert.Equal(0, limiter.KeyCount);

        // Redis's own counts expire with the window too (a window and one bucket after the last push).
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await Poll.UntilAsync(async () => (await redis.DumpAsync()).Keys.All(k => !k.StartsWith("test:many:", StringComparison.Ordinal)), TimeSpan.FromSeconds(15)));
    }

    [Fact]
    public async Task MoreKeysThanTheCap_AreTrimmedToTheCap_LeastRecentlyUsedFirst()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",asyncTimeout=20000");
        var time = new FakeTimeProvider(Start);
        var limiter = new LocalRateLimiter(connection, time, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(20), () => 1, new InMemoryRateLimitStore(time));
        var total = LocalRateLimiter.MaxKeys + 5_000;
        for (var u = 0; u < total; u++)
        {
            limiter.Decide(new RateLimitRequest([new RateLimitRule("reads", $"test:cap:{u}", 3, TimeSpan.FromMinutes(1))], null));
            if (u == 4_999)
            {
                time.Advance(TimeSpan.FromMilliseconds(1)); // the first 5 000 are the least recently used
            }
        }

        Assert.Equal(total, limiter.KeyCount);
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(await limiter.SyncOnceAsync()); // pushes all; then, idle but still counted, past the cap the oldest go

        Assert.Equal(LocalRateLimiter.MaxKeys, limiter.KeyCount);
        Assert.Null(limiter.KnownCount("test:cap:0"));
        Assert.Equal(1, limiter.KnownCount($"test:cap:{total - 1}"));
    }

    [Fact]
    public async Task RedisDown_KeepsDecidingWithItsShareOfWhatIsLeft_AndPushesItsAdmissionsOnceBack()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var time = new FakeTimeProvider(Start);
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var syncs = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(meters, Genlook.Gateway.Observability.GatewayTelemetry.Name, "gateway.ratelimit.local.syncs");
        var limiter = new LocalRateLimiter(connection, time, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(300), () => 2,
            new InMemoryRateLimitStore(time), new LocalRateLimitMetrics(meters));
        var rule = new RateLimitRule("reads", "test:down:" + Guid.NewGuid().ToString("N"), 10, TimeSpan.FromMinutes(10));
        for (var i = 0; i < 3; i++)
        {
            Assert.True(limiter.Decide(new RateLimitRequest([rule], null)).Allowed);
        }

        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(await limiter.SyncOnceAsync());
        Assert.Equal(3, limiter.KnownCount(rule.Key));

        // Hung (SIGSTOP): every sync times out, and the counts in Redis are still there once it resumes.
        await using var paused = redis.Pause(); // resumed below, and again (harmless) if the test fails before
        for (var i = 0; i < 3; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            Assert.False(await limiter.SyncOnceAsync());
        }

        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.False(limiter.Online);
        Assert.Equal(3, syncs.GetMeasurementSnapshot().Count(m => Equals(m.Tags["outcome"], "failed")));

        // Two live instances: this one's share of the 7 left is ceil(7 / 2) = 4, whatever the demand.
        var decisions = Enumerable.Range(0, 20).Select(_ => limiter.Decide(new RateLimitRequest([rule], null))).ToList();
        Assert.Equal(4, decisions.Count(d => d.Allowed));
        Assert.All(decisions.Where(d => !d.Allowed), d => Assert.True(d.RetryAfter > TimeSpan.Zero));

        await paused.DisposeAsync();
        Assert.True(await Poll.UntilAsync(async () =>
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            return await limiter.SyncOnceAsync();
        }, TimeSpan.FromSeconds(20)));

        // Its admissions made without Redis are in the cluster-wide count now.
        Assert.Equal(7, limiter.KnownCount(rule.Key));
        Assert.True(limiter.Online);
    }

    [Fact]
    public async Task TryOnsInLocalMode_ChargeUserAndAccountTogether_AndHonourTheHold()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var time = new FakeTimeProvider(Start);
        var holds = new InMemoryRateLimitStore(time);
        var limiter = new LocalRateLimiter(connection, time, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), () => 1, holds);
        var suffix = Guid.NewGuid().ToString("N");
        var account = new RateLimitRule("account", $"test:acct:{suffix}", 3, TimeSpan.FromMinutes(1));
        RateLimitRequest TryOn(int user) => new([new RateLimitRule("tryon", $"test:tryon:{suffix}:{user}", 2, TimeSpan.FromMinutes(1)), account], $"test:hold:{suffix}");

        Assert.True(limiter.Decide(TryOn(1)).Allowed);
        Assert.True(limiter.Decide(TryOn(1)).Allowed);
        Assert.False(limiter.Decide(TryOn(1)).Allowed); // the user's limit; the account is not charged for it
        Assert.True(limiter.Decide(TryOn(2)).Allowed);
        var refused = limiter.Decide(TryOn(3)); // the account's limit
        Assert.False(refused.Allowed);
        Assert.Equal([2, 0], refused.States.Select(s => s.Remaining));

        time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(2)); // the admissions have left the window
        await holds.HoldAsync($"test:hold:{suffix}", TimeSpan.FromSeconds(30));
        var held = limiter.Decide(TryOn(4));
        Assert.False(held.Allowed);
        Assert.InRange(held.RetryAfter.TotalSeconds, 29, 30);
    }
}
