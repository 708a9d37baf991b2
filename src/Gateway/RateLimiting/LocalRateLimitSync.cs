using Microsoft.Extensions.Options;

namespace Genlook.Gateway.RateLimiting;

/// <summary>
/// The one background loop per instance that syncs the <c>local</c> mode with Redis every
/// <c>RateLimiting:SyncInterval</c> (<see cref="LocalRateLimiter.SyncOnceAsync"/>); a sync never overlaps the next.
/// </summary>
internal sealed partial class LocalRateLimitSync(
    LocalRateLimiter limiter, TimeProvider time, IOptions<RateLimitingOptions> options, ILogger<LocalRateLimitSync> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SyncInterval, time);
        var failing = false;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var ok = await limiter.SyncOnceAsync(stoppingToken);
            if (ok == failing)
            {
                // Once per change, not once per interval (ten a second during an outage).
                failing = !ok;
                if (failing)
                {
                    LogSyncFailing(logger);
                }
                else
                {
                    LogSyncRecovered(logger);
                }
            }
        }
    }

    [LoggerMessage(6010, LogLevel.Warning, "Local rate-limit sync with Redis failed; local policies decide alone, each instance admitting its share of what is left, until it succeeds.")]
    private static partial void LogSyncFailing(ILogger logger);

    [LoggerMessage(6011, LogLevel.Information, "Local rate-limit sync with Redis succeeded again.")]
    private static partial void LogSyncRecovered(ILogger logger);
}
