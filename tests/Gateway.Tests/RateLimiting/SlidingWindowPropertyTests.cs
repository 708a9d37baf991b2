using CsCheck;
using Genlook.Gateway.RateLimiting;
using Genlook.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Genlook.Gateway.Tests.RateLimiting;

/// <summary>For random arrival sequences in virtual time, no window ever admits more than the policy allows.</summary>
[Collection(RedisCollection.Name)]
public sealed class SlidingWindowPropertyTests(RedisServer redis)
{
    private static readonly Gen<(int Limit, int WindowSeconds, int[] GapsMs)> Sequences =
        Gen.Select(Gen.Int[1, 8], Gen.Int[1, 10], Gen.Int[0, 1500].Array[5, 120]).Select((l, w, g) => (l, w, g));

    private static bool NeverExceeds(int limit, int windowSeconds, IReadOnlyList<(long AtMs, bool Admitted)> log)
    {
        var admitted = log.Where(e => e.Admitted).Select(e => e.AtMs).ToArray();
        var window = windowSeconds * 1000L;
        for (var i = 0; i < admitted.Length; i++)
        {
            // Every admission and the ones within one window after it: at most `limit`.
            var count = admitted.Skip(i).TakeWhile(t => t < admitted[i] + window).Count();
            if (count > limit)
            {
                return false;
            }
        }

        return true;
    }

    [Fact]
    public void InMemory_RandomArrivals_NeverExceedPolicyInAnyWindow()
    {
        Sequences.Sample(sample =>
        {
            var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20000));
            var store = new InMemoryRateLimitStore(time);
            var rule = new RateLimitRule("reads", "k", sample.Limit, TimeSpan.FromSeconds(sample.WindowSeconds));
            var log = new List<(long, bool)>();
            var start = time.GetUtcNow();
            foreach (var gap in sample.GapsMs)
            {
                time.Advance(TimeSpan.FromMilliseconds(gap));
                var decision = store.AcquireAsync(new RateLimitRequest([rule], null)).GetAwaiter().GetResult();
                log.Add(((long)(time.GetUtcNow() - start).TotalMilliseconds, decision.Allowed));
            }

            return NeverExceeds(sample.Limit, sample.WindowSeconds, log) && log.Count(e => e.Item2) >= Math.Min(sample.Limit, log.Count);
        }, iter: 200);
    }

    [Fact]
    public async Task Redis_RandomArrivals_NeverExceedPolicyInAnyWindowAndAgreeWithInMemory()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        Sequences.Sample(sample =>
        {
            var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20000));
            var shared = new RedisRateLimitStore(connection, time);
            var local = new InMemoryRateLimitStore(time);
            var rule = new RateLimitRule("reads", $"test:window:{Guid.NewGuid():N}", sample.Limit, TimeSpan.FromSeconds(sample.WindowSeconds));
            var log = new List<(long, bool)>();
            var start = time.GetUtcNow();
            foreach (var gap in sample.GapsMs)
            {
                time.Advance(TimeSpan.FromMilliseconds(gap));
                var request = new RateLimitRequest([rule], null);
                var fromRedis = shared.AcquireAsync(request).GetAwaiter().GetResult();
                var fromMemory = local.AcquireAsync(request).GetAwaiter().GetResult();
                if (fromRedis.Allowed != fromMemory.Allowed)
                {
                    return false;
                }

                log.Add(((long)(time.GetUtcNow() - start).TotalMilliseconds, fromRedis.Allowed));
            }

            return NeverExceeds(sample.Limit, sample.WindowSeconds, log);
        }, iter: 40, threads: 1);
    }

    [Fact]
    public async Task Redis_UserAndAccountRules_ChargeBothOrNeither()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20000));
        var store = new RedisRateLimitStore(connection, time);
        var suffix = Guid.NewGuid().ToString("N");
        var account = new RateLimitRule("account", $"test:acct:{suffix}", 3, TimeSpan.FromMinutes(1));
        var alice = new RateLimitRule("tryon", $"test:alice:{suffix}", 2, TimeSpan.FromMinutes(1));
        var bob = new RateLimitRule("tryon", $"test:bob:{suffix}", 2, TimeSpan.FromMinutes(1));

        Assert.True((await store.AcquireAsync(new([alice, account], null))).Allowed);
        Assert.True((await store.AcquireAsync(new([alice, account], null))).Allowed);
        Assert.False((await store.AcquireAsync(new([alice, account], null))).Allowed); // alice is out; account not charged
        Assert.True((await store.AcquireAsync(new([bob, account], null))).Allowed); // account still had its third permit
        var refused = await store.AcquireAsync(new([bob, account], null));

        Assert.False(refused.Allowed); // account is out, bob (1 left) is not charged
        Assert.Equal(1, refused.States[0].Remaining);
        Assert.Equal(0, refused.States[1].Remaining);
        Assert.InRange(refused.RetryAfter.TotalSeconds, 59, 61); // the account's oldest admission leaves the window
    }
}
