using Polly;
using Polly.CircuitBreaker;

namespace Genlook.Gateway.Storage;

/// <summary>How a Redis circuit samples (Polly's circuit breaker settings) and which outages count as its failures.</summary>
internal sealed record RedisCircuitOptions(double FailureRatio, int MinimumThroughput, TimeSpan SamplingDuration, TimeSpan BreakDuration)
{
    /// <summary>The failures that count; every Redis outage unless narrowed (<see cref="RedisErrors.IsOutage(Exception)"/> still applies).</summary>
    public Func<Exception, bool> Counts { get; init; } = static _ => true;
}

/// <summary>
/// The one circuit breaker for Redis calls (Polly's): failures are Redis outages as <see cref="RedisErrors"/> classifies
/// them; while open, calls throw <see cref="BrokenCircuitException"/> at once; after the break one probe at a time tries
/// Redis. Opening and closing are logged once per outage, not once per break.
/// </summary>
internal static partial class RedisCircuit
{
    public static ResiliencePipeline Create(string name, RedisCircuitOptions options, TimeProvider time, ILogger logger)
    {
        var open = 0;
        return new ResiliencePipelineBuilder { Name = name, TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = options.FailureRatio,
                MinimumThroughput = options.MinimumThroughput,
                SamplingDuration = options.SamplingDuration,
                BreakDuration = options.BreakDuration,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } ex && RedisErrors.IsOutage(ex) && options.Counts(ex)),
                OnOpened = args =>
                {
                    if (Interlocked.Exchange(ref open, 1) == 0)
                    {
                        LogOpened(logger, name, args.BreakDuration.TotalSeconds, args.Outcome.Exception is { } ex ? RedisErrors.OutageReason(ex) : null);
                    }

                    return default;
                },
                OnClosed = _ =>
                {
                    if (Interlocked.Exchange(ref open, 0) == 1)
                    {
                        LogClosed(logger, name);
                    }

                    return default;
                },
            })
            .Build();
    }

    [LoggerMessage(2004, LogLevel.Warning, "Redis circuit '{Circuit}' open ({Reason}): its calls fail at once for {Seconds} s, then one probe at a time tries Redis until one gets an answer.")]
    private static partial void LogOpened(ILogger logger, string circuit, double seconds, string? reason);

    [LoggerMessage(2005, LogLevel.Information, "Redis circuit '{Circuit}' closed: Redis answers again.")]
    private static partial void LogClosed(ILogger logger, string circuit);
}
