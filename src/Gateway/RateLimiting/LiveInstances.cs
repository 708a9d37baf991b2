using Genlook.Gateway.Storage;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Genlook.Gateway.RateLimiting;

/// <summary>
/// How many gateway instances share the limits, learnt from Redis while it is up, so that the fallback grants each
/// instance only its share: every <c>RateLimiting:InstanceHeartbeat</c> (5 s) each instance stamps itself in one sorted
/// set, drops members silent for three beats and reads the count, in one script. Off the request path; the last count
/// is kept while Redis is down (that is when it is needed). Also sweeps the fallback's remembered counts.
/// </summary>
internal sealed partial class LiveInstances(
    IConnectionMultiplexer redis, InMemoryRateLimitStore fallback, IOptions<RateLimitingOptions> options, ILogger<LiveInstances> logger) : BackgroundService
{
    internal const string Key = StoreKeys.Prefix + "ratelimit:instances";

    // KEYS[1]: the set; ARGV[1]: this instance; ARGV[2]: how long a silent member counts (ms). Returns the live count.
    private const string HeartbeatScript =
        """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        redis.call('ZADD', KEYS[1], now, ARGV[1])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        return redis.call('ZCARD', KEYS[1])
        """;

    // One per service container (two test hosts in one process are two instances).
    private readonly string _id = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
    private readonly TimeSpan _interval = options.Value.InstanceHeartbeat;
    private int _count = 1;

    /// <summary>Live instances at the last heartbeat (1 until the first one answers).</summary>
    public int Count => Volatile.Read(ref _count);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_interval);
        do
        {
            try
            {
                var live = (long)await redis.GetDatabase()
                    .ScriptEvaluateAsync(HeartbeatScript, [Key], [_id, (long)(_interval.TotalMilliseconds * 3)])
                    .WaitAsync(_interval, stoppingToken);
                Volatile.Write(ref _count, (int)Math.Max(1, live));
            }
            catch (Exception ex) when (RedisErrors.IsOutage(ex))
            {
                LogHeartbeatFailed(logger, Count);
            }

            fallback.SweepKnown();
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            // A clean stop leaves at once, so the others' shares grow without waiting for three beats.
            await redis.GetDatabase().SortedSetRemoveAsync(Key, _id).WaitAsync(_interval, cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException || RedisErrors.IsOutage(ex))
        {
            // Gone or going (the multiplexer may already be disposed at shutdown): the others drop us after three beats.
        }
    }

    [LoggerMessage(6004, LogLevel.Debug, "Rate-limit heartbeat failed; the fallback keeps counting {Instances} live instances.")]
    private static partial void LogHeartbeatFailed(ILogger logger, int instances);
}
