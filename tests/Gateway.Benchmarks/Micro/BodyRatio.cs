using System.Diagnostics;
using System.Globalization;

namespace Genlook.Gateway.Benchmarks.Micro;

/// <summary>
/// <see cref="BodyBenchmarks"/>' ratio measured so that this machine's slow and fast phases hit both sides alike:
/// rewrite and baseline alternate in blocks of 2 000 calls, and the ratio reported is the median of the blocks'
/// ratios. BenchmarkDotNet measures one method after the other, minutes apart, and its ratio moves with the phase.
/// <c>dotnet run -c Release --project tests/Gateway.Benchmarks -- body-ratio [seconds] [canonical|legacy]</c>
/// </summary>
internal static class BodyRatio
{
    private const int Block = 2_000;

    public static int Run(string[] args)
    {
        var seconds = 20.0;
        if (args.Length > 1 && !(double.TryParse(args[1], CultureInfo.InvariantCulture, out seconds) && seconds is > 0 and <= 3600))
        {
            Console.Error.WriteLine($"body-ratio: seconds must be a number from 0 to 3600, not '{args[1]}'.");
            return 2;
        }

        var shape = args.Length > 2 ? args[2] : "legacy";
        if (shape is not ("canonical" or "legacy"))
        {
            Console.Error.WriteLine($"body-ratio: the shape is 'canonical' or 'legacy', not '{shape}'.");
            return 2;
        }

        var benchmarks = new BodyBenchmarks { Shape = shape };
        benchmarks.Setup();

        // Warm-up, so that both sides run their final (tier-1) code.
        for (var i = 0; i < 100_000; i++)
        {
            benchmarks.JsonDocumentParseAndWrite();
            benchmarks.GatewayRewrite();
        }

        var ratios = new List<double>();
        var baselines = new List<double>();
        var rewrites = new List<double>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            var baseline = Time(benchmarks.JsonDocumentParseAndWrite);
            var rewrite = Time(benchmarks.GatewayRewrite);
            baselines.Add(baseline);
            rewrites.Add(rewrite);
            ratios.Add(rewrite / baseline);
        }

        Console.WriteLine(
            $"{benchmarks.Shape}: rewrite ÷ JsonDocument parse + write, median of {ratios.Count} blocks: {Median(ratios):F2}x " +
            $"(quartiles {Quantile(ratios, 0.25):F2}–{Quantile(ratios, 0.75):F2}; medians {Median(rewrites):F0} vs {Median(baselines):F0} ns)");
        return 0;
    }

    private static double Time(Func<int> call)
    {
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < Block; i++)
        {
            call();
        }

        return Stopwatch.GetElapsedTime(start).TotalNanoseconds / Block;
    }

    private static double Median(List<double> values) => Quantile(values, 0.5);

    private static double Quantile(List<double> values, double q)
    {
        var sorted = values.Order().ToArray();
        return sorted[(int)(q * (sorted.Length - 1))];
    }
}
