using CsCheck;
using Genlook.Gateway.RateLimiting;
using Genlook.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Genlook.Gateway.Tests.RateLimiting;

/// <summary>
/// The <c>local</c> mode's overshoot bound (docs/rate-limits.md), in virtual time: 1–4 simulated instances (each a
/// real <see cref="LocalRateLimiter"/> with its own sync phase) share one real redis-server, and random arrival
/// sequences hit them. For every window that ends at an admission, the admissions in it stay within
/// <c>L + Σ_j A_j</c>, A_j being the most that instance j admitted in any span of two sync intervals; and a client who
/// keeps going over the limit is held to it on every instance within one sync interval of the cluster-wide count
/// reaching it.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class LocalModePropertyTests(RedisServer redis)
{
    private const long SyncMs = 100;

    private static readonly DateTimeOffset Start = DateTimeOffset.UnixEpoch.AddDays(20000);

    private static readonly Gen<(int Limit, int WindowSeconds, int Instances, int[] Phases, (int Gap, int Instance)[] Arrivals)> Runs =
        Gen.Select(Gen.Int[1, 40], Gen.Int[1, 4], Gen.Int[1, 4], Gen.Int[0, (int)SyncMs - 1].Array[4],
            Gen.Select(Gen.Frequency((6, Gen.Int[0, 60]), (2, Gen.Int[60, 400]), (1, Gen.Int[400, 3000])), Gen.Int[0, 3]).Array[0, 160]);

    [Fact]
    public async Task Decide_RandomArrivalsAcrossInstances_EveryWindowStaysWithinTheBound()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        await Runs.SampleAsync(async run =>
        {
            var rule = new RateLimitRule("reads", "test:local:" + Guid.NewGuid().ToString("N"), run.Limit, TimeSpan.FromSeconds(run.WindowSeconds));
            var admissions = await SimulateAsync(connection, rule, run.Instances, run.Phases, run.Arrivals, onSync: null);
            var windowMs = run.WindowSeconds * 1000L;
            var bound = run.Limit + Enumerable.Range(0, run.Instances).Sum(j => MostInSpan(admissions.Where(a => a.Instance == j).Select(a => a.At).ToList(), 2 * SyncMs));
            return admissions.All(end => admissions.Count(a => a.At > end.At - windowMs && a.At <= end.At) <= bound);
        }, iter: 60, threads: 1);
    }

    [Fact]
    public async Task Decide_ClientKeepsGoingOverTheLimit_IsHeldToItWithinOneSyncInterval()
    {
        // Requests in turn over the instances, up to one per interval in all: an instance may not see the client for
        // several intervals, and is held all the same (the instance that saw the limit reached announces it).
        var gen = Gen.Select(Gen.Int[1, 60], Gen.Int[1, 4], Gen.Int[0, (int)SyncMs - 1].Array[4], Gen.Int[1, (int)SyncMs]);
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        await gen.SampleAsync(async t =>
        {
            var (limit, instances, phases, gap) = t;

            // Twice the limit and more, over five sync intervals at least; the window (an hour) frees nothing meanwhile.
            var arrivals = Enumerable.Range(0, Math.Max(2 * limit + 20, 5 * (int)SyncMs / gap)).Select(i => (gap, i % instances)).ToArray();
            var rule = new RateLimitRule("reads", "test:local:" + Guid.NewGuid().ToString("N"), limit, TimeSpan.FromHours(1));
            long? reachedAt = null;
            var admissions = await SimulateAsync(connection, rule, instances, phases, arrivals, onSync: (at, known) =>
            {
                if (known >= limit)
                {
                    reachedAt ??= at;
                }
            });

            var bound = limit + Enumerable.Range(0, instances).Sum(j => MostInSpan(admissions.Where(a => a.Instance == j).Select(a => a.At).ToList(), 2 * SyncMs));
            return reachedAt is { } reached
                && admissions.Count >= limit
                && admissions.Count <= bound
                && admissions.All(a => a.At <= reached + SyncMs);
        }, iter: 40, threads: 1);
    }

    /// <summary>
    /// Runs arrivals (gap since the previous one in ms, instance) against simulated instances whose syncs tick every
    /// <see cref="SyncMs"/> at their own phase (a sync at the same moment as an arrival goes first); returns the admissions.
    /// </summary>
    private static async Task<List<(long At, int Instance)>> SimulateAsync(
        IConnectionMultiplexer connection, RateLimitRule rule, int count, int[] phases, (int Gap, int Instance)[] arrivals, Action<long, int>? onSync)
    {
        var time = new FakeTimeProvider(Start);
        var holds = new InMemoryRateLimitStore(time);
        var instances = Enumerable.Range(0, count)
            .Select(_ => new LocalRateLimiter(connection, time, TimeSpan.FromMilliseconds(SyncMs), TimeSpan.FromSeconds(5), () => count, holds))
            .ToArray();
        var nextSync = Enumerable.Range(0, count).Select(i => (long)phases[i]).ToArray();
        var admissions = new List<(long At, int Instance)>();
        long now = 0;
        foreach (var (gap, target) in arrivals)
        {
            var at = now + gap;
            while (true)
            {
                var i = Array.IndexOf(nextSync, nextSync.Min());
                if (nextSync[i] > at)
                {
                    break;
                }

                time.Advance(TimeSpan.FromMilliseconds(nextSync[i] - now));
                now = nextSync[i];
                Assert.True(await instances[i].SyncOnceAsync());
                onSync?.Invoke(now, instances[i].KnownCount(rule.Key) ?? 0);
                nextSync[i] += SyncMs;
            }

            time.Advance(TimeSpan.FromMilliseconds(at - now));
            now = at;
            var instance = target % count;
            if (instances[instance].Decide(new RateLimitRequest([rule], null)).Allowed)
            {
                admissions.Add((now, instance));
            }
        }

        return admissions;
    }

    /// <summary>The most of <paramref name="times"/> (sorted) within any half-open span of <paramref name="span"/> ms.</summary>
    private static int MostInSpan(List<long> times, long span)
    {
        var most = 0;
        for (int start = 0, end = 0; end < times.Count; end++)
        {
            while (times[end] - times[start] >= span)
            {
                start++;
            }

            most = Math.Max(most, end - start + 1);
        }

        return most;
    }
}
