using Genlook.Gateway.Storage;
using StackExchange.Redis;

namespace Genlook.Gateway.Gdpr;

/// <summary>
/// Redis pub/sub on <c>gw:gdpr:erased</c>: the erasing instance publishes the pseudonym (never the subject), and every
/// instance, subscribed from start-up, forgets the user's in-process data when the message arrives.
/// <para>
/// Pub/sub is best-effort: a message is delivered to the instances connected at that moment, once. The multiplexer
/// re-subscribes after a reconnect, and since messages may have been missed meanwhile, a restored connection drops
/// everyone's in-process data. A message lost without a disconnect leaves that instance serving nothing of the user
/// once its remembered ownership verdicts expire (5 s; every status is served after an ownership check, which then asks
/// the store), and holding the unserved L1 statuses until they expire (at most <c>Caching:TerminalTtl</c>).
/// </para>
/// </summary>
internal sealed partial class RedisErasureBroadcast : IErasureBroadcast, IHostedService
{
    public static readonly RedisChannel Channel = RedisChannel.Literal(StoreKeys.Prefix + "gdpr:erased");

    private readonly IConnectionMultiplexer _redis;
    private readonly InProcessUserData _local;
    private readonly ILogger<RedisErasureBroadcast> _logger;
    private readonly Action<RedisChannel, RedisValue> _onErased;

    public RedisErasureBroadcast(IConnectionMultiplexer redis, InProcessUserData local, ILogger<RedisErasureBroadcast> logger)
    {
        _redis = redis;
        _local = local;
        _logger = logger;
        _onErased = (_, pseudonym) =>
        {
            if (pseudonym.IsNullOrEmpty)
            {
                _local.ForgetEveryone();
            }
            else
            {
                _local.Forget(pseudonym!);
            }
        };
    }

    public async Task PublishAsync(string pseudonym, CancellationToken cancellationToken)
    {
        _local.Forget(pseudonym);
        try
        {
            await _redis.GetSubscriber().PublishAsync(Channel, pseudonym);
        }
        catch (Exception ex) when (RedisErrors.IsOutage(ex))
        {
            throw new StoreUnavailableException("The erase could not be announced to the other instances.", ex);
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _redis.ConnectionRestored += OnConnectionRestored;
        try
        {
            await _redis.GetSubscriber().SubscribeAsync(Channel, _onErased);
        }
        catch (Exception ex) when (RedisErrors.IsOutage(ex))
        {
            // The multiplexer has recorded the subscription and makes it when Redis is back; start without waiting.
            LogSubscribeDeferred(_logger, ex.GetType().Name);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _redis.ConnectionRestored -= OnConnectionRestored;
        try
        {
            await _redis.GetSubscriber().UnsubscribeAsync(Channel, _onErased);
        }
        catch (Exception ex) when (RedisErrors.IsOutage(ex))
        {
            // Nothing to undo: the connection goes with the process.
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e) => _local.ForgetEveryone();

    [LoggerMessage(7005, LogLevel.Warning, "GDPR erase announcements: could not subscribe yet ({Error}); subscribing when Redis is back.")]
    private static partial void LogSubscribeDeferred(ILogger logger, string error);
}
