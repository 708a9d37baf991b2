using Genlook.Gateway.Gdpr;

namespace Genlook.Gateway.Tests.Gdpr;

/// <summary>Retry delays of an erase target: exponential backoff with full jitter, as documented (GdprOptions).</summary>
public sealed class GdprBackoffTests
{
    private static readonly TimeSpan Base = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Max = TimeSpan.FromMinutes(5);

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 4)]
    [InlineData(5, 32)]
    [InlineData(9, 300)] // 512 s, capped
    [InlineData(50, 300)]
    [InlineData(int.MaxValue, 300)]
    public void FullJitter_ExtremesOfTheDraw_SpanZeroToTheCappedExponential(int attempts, int ceilingSeconds)
    {
        Assert.Equal(TimeSpan.Zero, GdprWorker.FullJitter(attempts, Base, Max, 0.0));
        Assert.Equal(TimeSpan.FromSeconds(ceilingSeconds / 2.0), GdprWorker.FullJitter(attempts, Base, Max, 0.5));
        var top = GdprWorker.FullJitter(attempts, Base, Max, Math.BitDecrement(1.0));
        Assert.True(top < TimeSpan.FromSeconds(ceilingSeconds) && top > TimeSpan.FromSeconds(ceilingSeconds) * 0.999, top.ToString());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(12)]
    public void FullJitter_SeededDraws_AreUniformOverZeroToTheCeilingIncludingBelowTheBase(int attempts)
    {
        var random = new Random(21);
        var ceiling = Math.Min(Max.TotalMilliseconds, Base.TotalMilliseconds * Math.Pow(2, attempts - 1));

        var delays = Enumerable.Range(0, 10_000).Select(_ => GdprWorker.FullJitter(attempts, Base, Max, random.NextDouble()).TotalMilliseconds).ToArray();

        Assert.All(delays, d => Assert.InRange(d, 0, ceiling));
        Assert.Contains(delays, d => d < Base.TotalMilliseconds / 2); // full jitter goes below the base delay
        Assert.InRange(delays.Average(), ceiling * 0.48, ceiling * 0.52);
        // Each tenth of the range gets about a tenth of the draws.
        Assert.All(delays.GroupBy(d => (int)(d / ceiling * 10)), decile => Assert.InRange(decile.Count(), 850, 1150));
    }
}
