using CsCheck;
using Genlook.Gateway.RateLimiting;
using Microsoft.Extensions.Time.Testing;

namespace Genlook.Gateway.Tests.RateLimiting;

/// <summary>
/// The fallback's arithmetic in virtual time, across simulated instances: Redis (modelled by the same sliding window,
/// which the Redis property test holds equal to the script) decides while it is up and each instance hears the count
/// it reports; then Redis is gone and each instance decides alone. In every window, per key, the admissions stay
/// within the README's bound: S + Σ_i ceil((limit - k_i) / N), where S is what Redis admitted in the window, k_i what
/// instance i last heard (0 once that is a window old) and N the live instances.
/// </summary>
public sealed class FallbackSharePropertyTests
{
    private static readonly Gen<(int Limit, int WindowSeconds, int Instances, (int Gap, int Instance)[] Up, (int Gap, int Instance)[] Down)> Runs =
        Gen.Select(Gen.Int[1, 30], Gen.Int[1, 10], Gen.Int[1, 4],
            Gen.Select(Gen.Int[0, 1500], Gen.Int[0, 3]).Array[0, 60],
            Gen.Select(Gen.Int[0, 1500], Gen.Int[0, 3]).Array[1, 150]);

    [Fact]
    public void AcquireShare_RandomArrivalsAcrossInstances_StayWithinTheDocumentedBound()
    {
        Runs.Sample(run =>
        {
            var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20000));
            var redis = new InMemoryRateLimitStore(time);
            var instances = Enumerable.Range(0, run.Instances).Select(_ => new InMemoryRateLimitStore(time)).ToArray();
            var rule = new RateLimitRule("reads", "k", run.Limit, TimeSpan.FromSeconds(run.WindowSeconds));
            var windowMs = run.WindowSeconds * 1000L;
            var heard = new (long At, int Count)?[run.Instances];
            var admissions = new List<(long At, bool Shared)>();

            foreach (var (gap, instance) in run.Up)
            {
                time.Advance(TimeSpan.FromMilliseconds(gap));
                var request = new RateLimitRequest([rule], null);
                var decision = redis.AcquireAsync(request).GetAwaiter().GetResult();
                instances[instance % run.Instances].Observe(request, decision);
                var now = time.GetUtcNow().ToUnixTimeMilliseconds();
                heard[instance % run.Instances] = (now, run.Limit - decision.States[0].Remaining);
                if (decision.Allowed)
                {
                    admissions.Add((now, true));
                }
            }

            foreach (var (gap, instance) in run.Down)
            {
                time.Advance(TimeSpan.FromMilliseconds(gap));
                if (instances[instance % run.Instances].AcquireShare(new RateLimitRequest([rule], null), run.Instances).Allowed)
                {
                    admissions.Add((time.GetUtcNow().ToUnixTimeMilliseconds(), false));
                }
            }

            // Every window that ends at an admission: Redis's admissions in it, plus each instance's largest share in it
            // (what it heard, while that is less than a window old; the plain share after).
            foreach (var (end, _) in admissions)
            {
                var inWindow = admissions.Where(a => a.At > end - windowMs && a.At <= end).ToList();
                var shared = inWindow.Count(a => a.Shared);
                var shares = heard.Sum(h => Share(run.Limit - (h is { } known && end < known.At + windowMs ? known.Count : 0), run.Instances));
                if (inWindow.Count > shared + shares)
                {
                    return false;
                }
            }

            return true;
        }, iter: 500);
    }

    [Fact]
    public void AcquireShare_NothingHeard_GrantsEachInstanceItsShareOfTheLimit()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20000));
        var store = new InMemoryRateLimitStore(time);
        var rule = new RateLimitRule("reads", "k", 25, TimeSpan.FromMinutes(1));

        var admitted = Enumerable.Range(0, 40).Count(_ => store.AcquireShare(new RateLimitRequest([rule], null), liveInstances: 2).Allowed);

        Assert.Equal(13, admitted); // ceil(25 / 2)
    }

    [Fact]
    public void AcquireShare_AfterRedisReportedTheLimitSpent_RefusesUntilThatCountIsAWindowOld()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20000));
        var store = new InMemoryRateLimitStore(time);
        var rule = new RateLimitRule("reads", "k", 10, TimeSpan.FromMinutes(1));
        var request = new RateLimitRequest([rule], null);
        store.Observe(request, new RateLimitDecision(false, TimeSpan.FromSeconds(30), [new RateLimitState(0, TimeSpan.FromSeconds(30))]));

        var refused = store.AcquireShare(new RateLimitRequest([rule], null), liveInstances: 1);
        time.Advance(TimeSpan.FromMinutes(1));
        var later = store.AcquireShare(new RateLimitRequest([rule], null), liveInstances: 1);

        Assert.False(refused.Allowed);
        Assert.Equal(TimeSpan.FromMinutes(1), refused.RetryAfter);
        Assert.True(later.Allowed);
    }

    [Fact]
    public void SweepKnown_DropsCountsOnceTheirWindowHasPassed()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20000));
        var store = new InMemoryRateLimitStore(time);
        RateLimitRequest For(string key, TimeSpan window) => new([new RateLimitRule("reads", key, 10, window)], null);
        var spent = new RateLimitDecision(true, TimeSpan.Zero, [new RateLimitState(9, TimeSpan.FromMinutes(1))]);
        store.Observe(For("minute", TimeSpan.FromMinutes(1)), spent);
        store.Observe(For("hour", TimeSpan.FromHours(1)), spent);

        time.Advance(TimeSpan.FromMinutes(2));
        store.SweepKnown();

        Assert.Equal(1, store.KnownCount);
    }

    private static int Share(int left, int instances) => (Math.Max(0, left) + instances - 1) / instances;
}
