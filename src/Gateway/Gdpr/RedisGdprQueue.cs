using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Genlook.Gateway.Gdpr;

/// <summary>
/// Redis Streams: <c>XADD</c> to enqueue, a consumer group for "one worker at a time", <c>XAUTOCLAIM</c> of entries whose
/// consumer has been silent for <c>Gdpr:ClaimIdleTime</c> (it died), <c>XACK</c>+<c>XDEL</c> when a job is finished.
/// The stream holds job ids only.
/// </summary>
internal sealed class RedisGdprQueue(IConnectionMultiplexer redis, IOptions<GdprOptions> options, TimeProvider time) : IGdprQueue
{
    public const string StreamKey = "gw:gdpr:jobs";
    private const string Group = "erasers";
    private const string JobField = "job";
    private volatile bool _groupReady;

    private IDatabase Db => redis.GetDatabase();

    public async Task EnqueueAsync(string jobId, CancellationToken cancellationToken)
    {
        await EnsureGroupAsync();
        await Db.StreamAddAsync(StreamKey, JobField, jobId);
    }

    public async Task<IReadOnlyList<GdprQueueEntry>> FetchAsync(string consumer, CancellationToken cancellationToken)
    {
        await EnsureGroupAsync();
        var entries = new Dictionary<string, GdprQueueEntry>(StringComparer.Ordinal);

        // Own unfinished entries (retries); claiming them again keeps their idle time low, so nobody takes them over.
        StreamEntry[] own;
        try
        {
            own = await Db.StreamReadGroupAsync(StreamKey, Group, consumer, "0", count: 100);
        }
        catch (RedisServerException ex) when (IsGroupGone(ex))
        {
            _groupReady = false;
            return [];
        }

        if (own.Length > 0)
        {
            await Db.StreamClaimIdsOnlyAsync(StreamKey, Group, consumer, 0, own.Select(e => e.Id).ToArray());
        }

        var stale = await Db.StreamAutoClaimAsync(StreamKey, Group, consumer, (long)options.Value.ClaimIdleTime.TotalMilliseconds, "0-0", 20);
        var fresh = await Db.StreamReadGroupAsync(StreamKey, Group, consumer, StreamPosition.NewMessages, count: 20);
        foreach (var entry in own.Concat(stale.ClaimedEntries).Concat(fresh))
        {
            if (!entry.IsNull && entry[JobField] is { IsNullOrEmpty: false } jobId)
            {
                entries[entry.Id!] = new GdprQueueEntry(entry.Id!, jobId!);
            }
        }

        return entries.Values.ToList();
    }

    public async Task CompleteAsync(GdprQueueEntry entry, CancellationToken cancellationToken)
    {
        var transaction = Db.CreateTransaction();
        _ = transaction.StreamAcknowledgeAsync(StreamKey, Group, entry.EntryId);
        _ = transaction.StreamDeleteAsync(StreamKey, [entry.EntryId]);
        await transaction.ExecuteAsync();
    }

    public async Task HandBackAsync(string consumer, CancellationToken cancellationToken)
    {
        StreamPendingMessageInfo[] pending;
        try
        {
            pending = await Db.StreamPendingMessagesAsync(StreamKey, Group, 100, consumer);
        }
        catch (RedisServerException ex) when (IsGroupGone(ex))
        {
            return;
        }

        foreach (var message in pending)
        {
            var entries = await Db.StreamRangeAsync(StreamKey, message.MessageId, message.MessageId);
            if (entries.Length == 0 || entries[0][JobField] is not { IsNullOrEmpty: false } jobId)
            {
                continue;
            }

            // Re-enqueue and acknowledge in one transaction: the job is never lost, never doubled.
            var transaction = Db.CreateTransaction();
            _ = transaction.StreamAddAsync(StreamKey, JobField, jobId);
            _ = transaction.StreamAcknowledgeAsync(StreamKey, Group, message.MessageId);
            _ = transaction.StreamDeleteAsync(StreamKey, [message.MessageId]);
            await transaction.ExecuteAsync();
        }
    }

    public async Task<TimeSpan?> OldestPendingAgeAsync(CancellationToken cancellationToken)
    {
        var first = await Db.StreamRangeAsync(StreamKey, "-", "+", count: 1);
        if (first.Length == 0)
        {
            return null;
        }

        // Stream ids start with the Unix time in ms of the XADD.
        var id = first[0].Id.ToString();
        var dash = id.IndexOf('-', StringComparison.Ordinal);
        return long.TryParse(dash > 0 ? id[..dash] : id, out var ms)
            ? time.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : null;
    }

    // The stream and its group went with Redis's data (a restart without persistence, a flush): nothing is pending, and
    // the next fetch creates them again.
    private static bool IsGroupGone(RedisServerException ex) => ex.Message.StartsWith("NOGROUP", StringComparison.Ordinal);

    private async Task EnsureGroupAsync()
    {
        if (_groupReady)
        {
            return;
        }

        try
        {
            await Db.StreamCreateConsumerGroupAsync(StreamKey, Group, "0", createStream: true);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
        }

        _groupReady = true;
    }
}
