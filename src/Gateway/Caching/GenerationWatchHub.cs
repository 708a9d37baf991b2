using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text.Json;
using Genlook.Gateway.Identity;
using Genlook.Gateway.Storage;
using Microsoft.Extensions.Options;

namespace Genlook.Gateway.Caching;

/// <summary>
/// The watch's engine (CONTRACT §7). Per watched generation this instance keeps one <see cref="WatchedGeneration"/>:
/// its last known answer and a signal that completes when it changes, one pub/sub subscription, and one poll loop.
/// The loop polls Genlook only while it holds the generation's lease in the store (one instance of the cluster per
/// generation), writes the answer to the status cache and publishes it; the other instances hear it over the bus,
/// re-read the cache every few intervals (the bus is at most once) and take the lease when its holder stops renewing it.
/// Watchers never touch the loop: each awaits the signal and writes to its own client, so a slow client delays no one.
/// Also ticks the shared heartbeat and renews this instance's watch slots.
/// </summary>
internal sealed partial class GenerationWatchHub(
    IGatewayStore store,
    GenerationStatusCache cache,
    GenlookStatusClient upstream,
    IWatchBus bus,
    WatchMetrics metrics,
    TimeProvider time,
    IOptions<CachingOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<GenerationWatchHub> logger) : BackgroundService
{
    private readonly CachingOptions _options = options.Value;
    private readonly Dictionary<string, WatchedGeneration> _watched = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _slots = new(StringComparer.Ordinal);
    private TaskCompletionSource _tick = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Fires when the host starts stopping: every watch ends with a <c>retry:</c> hint.</summary>
    public CancellationToken Stopping => lifetime.ApplicationStopping;

    /// <summary>Completes at the next heartbeat (one timer for every watch of the instance, not one per watch).</summary>
    public Task HeartbeatTick => Volatile.Read(ref _tick).Task;

    /// <summary>A slot lives three heartbeats unless renewed: the slots of an instance that died free themselves.</summary>
    private TimeSpan SlotTtl => (_options.WatchHeartbeat * 3) + TimeSpan.FromSeconds(1);

    private TimeSpan LeaseTtl => _options.PollInterval * 3;

    /// <summary>Generations this instance watches now (for tests and diagnostics).</summary>
    internal int WatchedCount
    {
        get
        {
            lock (_watched)
            {
                return _watched.Count;
            }
        }
    }

    /// <summary>Whether this instance holds the generation's lease and polls Genlook for it (tests, diagnostics).</summary>
    internal bool IsPolling(IGatewayUserFeature user, string generationId)
    {
        lock (_watched)
        {
            return _watched.TryGetValue(GenerationStatusCache.Key(user, generationId), out var generation) && generation.Polling;
        }
    }

    /// <summary>Takes one of the user's watch slots: the slot's id, or <c>null</c> and when to retry. Store down: throws (fail closed).</summary>
    public async Task<(string? Slot, TimeSpan RetryAfter)> TryOpenAsync(IGatewayUserFeature user)
    {
        var slot = Guid.NewGuid().ToString("N");
        if (await bus.TryTakeSlotAsync(user.Pseudonym, slot, _options.MaxWatchesPerUser, SlotTtl) is { } retryAfter)
        {
            metrics.Rejected();
            return (null, retryAfter);
        }

        _slots[slot] = user.Pseudonym;
        return (slot, TimeSpan.Zero);
    }

    public async Task CloseAsync(IGatewayUserFeature user, string slot)
    {
        _slots.TryRemove(slot, out _);
        try
        {
            await bus.ReleaseSlotAsync(user.Pseudonym, slot);
        }
        catch (StoreUnavailableException)
        {
            // The slot expires on its own within SlotTtl.
        }
    }

    /// <summary>Starts watching (or joins this instance's watch of) the generation; pair with <see cref="Leave"/>.</summary>
    public WatchedGeneration Join(IGatewayUserFeature user, string generationId)
    {
        var key = GenerationStatusCache.Key(user, generationId);
        lock (_watched)
        {
            if (!_watched.TryGetValue(key, out var generation))
            {
                generation = new WatchedGeneration(key, user, generationId);
                _watched[key] = generation;
                generation.Loop = Task.Run(() => RunAsync(generation));
            }

            generation.Watchers++;
            return generation;
        }
    }

    public void Leave(WatchedGeneration generation)
    {
        lock (_watched)
        {
            if (--generation.Watchers > 0)
            {
                return;
            }

            _watched.Remove(generation.Key);
        }

        generation.Stop.Cancel(); // outside the lock: cancellation runs the loop's continuations
    }

    private async Task RunAsync(WatchedGeneration generation)
    {
        var stop = generation.Stop.Token;
        var owner = System.Security.Cryptography.RandomNumberGenerator.GetBytes(16);
        var leaseKey = generation.Key + ":watch-lease";
        var holding = false;
        long polls = 0;
        var idle = 0;
        IAsyncDisposable? subscription = null;
        try
        {
            try
            {
                subscription = await bus.SubscribeAsync(generation.Key, message => generation.Offer(WatchSnapshot.Decode(message)));
            }
            catch (StoreUnavailableException ex)
            {
                LogWatchStoreFailed(logger, "subscribe", ex.Message); // the cache re-read below still brings changes
            }

            await ReadCacheAsync(generation, stop);
            while (!stop.IsCancellationRequested && generation.Current is not { Terminal: true })
            {
                bool poll;
                try
                {
                    poll = holding
                        ? await store.ExtendIfHeldAsync(leaseKey, owner, LeaseTtl, stop)
                        : await store.SetIfAbsentAsync(leaseKey, owner, LeaseTtl, stop);
                    holding = poll;
                    generation.Polling = poll;
                }
                catch (StoreUnavailableException ex)
                {
                    // No lease to be had: this instance polls for its own watchers (the cache is optional, CONTRACT §4).
                    LogWatchStoreFailed(logger, "lease", ex.Message);
                    poll = true;
                    holding = false;
                }

                if (poll)
                {
                    polls++;
                    metrics.UpstreamPolled();
                    await PollAsync(generation, stop);
                    idle = 0;
                }
                else if (++idle % 3 == 0)
                {
                    await ReadCacheAsync(generation, stop);
                }

                if (generation.Current is { Terminal: true })
                {
                    break;
                }

                await Task.Delay(_options.PollInterval, time, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The last local watcher left.
        }
        catch (Exception ex)
        {
            LogPollerFailed(logger, ex);
            generation.Offer(WatchSnapshot.Error(Errors.GatewayErrors.Internal()));
        }
        finally
        {
            if (holding)
            {
                try
                {
                    await store.DeleteIfHeldAsync(leaseKey, owner, CancellationToken.None);
                }
                catch (StoreUnavailableException)
                {
                    // It expires within LeaseTtl.
                }
            }

            if (subscription is not null)
            {
                await subscription.DisposeAsync();
            }

            metrics.GenerationReleased(polls);
        }
    }

    private async Task ReadCacheAsync(WatchedGeneration generation, CancellationToken stop)
    {
        try
        {
            if (await cache.TryGetAsync(generation.User, generation.Id, stop) is { } entry)
            {
                generation.Offer(WatchSnapshot.Of(StatusCodes.Status200OK, entry.Body));
            }
        }
        catch (StoreUnavailableException ex)
        {
            LogWatchStoreFailed(logger, "read", ex.Message);
        }
    }

    private async Task PollAsync(WatchedGeneration generation, CancellationToken stop)
    {
        if (await upstream.GetStatusAsync(generation.User.Account, generation.Id, stop) is not var (status, body))
        {
            return; // unreachable or too slow: the next interval asks again
        }

        WatchSnapshot? snapshot;
        if (status == StatusCodes.Status200OK)
        {
            snapshot = WatchSnapshot.Of(status, body);
            try
            {
                await cache.StoreAsync(generation.User, generation.Id, body, CancellationToken.None);
            }
            catch (StoreUnavailableException ex)
            {
                LogWatchStoreFailed(logger, "store", ex.Message);
            }
        }
        else if (status == StatusCodes.Status401Unauthorized)
        {
            snapshot = WatchSnapshot.Error(Errors.GatewayErrors.UpstreamAuthFailed()); // the gateway's key, not the app's: CONTRACT §4
        }
        else if (status is >= 400 and < 500 and not StatusCodes.Status408RequestTimeout and not StatusCodes.Status429TooManyRequests)
        {
            snapshot = WatchSnapshot.Of(status, body); // Genlook's own error passes through, and ends the watch
        }
        else
        {
            return; // 5xx, 408, 429: transient, asked again next interval
        }

        if (snapshot is not null && generation.Offer(snapshot))
        {
            try
            {
                await bus.PublishAsync(generation.Key, snapshot.Encode());
            }
            catch (StoreUnavailableException ex)
            {
                LogWatchStoreFailed(logger, "publish", ex.Message);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.WatchHeartbeat, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                Interlocked.Exchange(ref _tick, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                if (_slots.IsEmpty)
                {
                    continue;
                }

                try
                {
                    await bus.RenewSlotsAsync(_slots.Select(s => (s.Value, s.Key)).ToList(), SlotTtl);
                }
                catch (StoreUnavailableException ex)
                {
                    LogWatchStoreFailed(logger, "renew", ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(8101, LogLevel.Debug, "The watch could not use the store ({Operation}: {Reason}).")]
    private static partial void LogWatchStoreFailed(ILogger logger, string operation, string reason);

    [LoggerMessage(8102, LogLevel.Error, "A generation's watch poller failed; its watchers get an internal error.")]
    private static partial void LogPollerFailed(ILogger logger, Exception exception);
}

/// <summary>One generation watched on this instance: its last answer and the signal of the next change.</summary>
internal sealed class WatchedGeneration(string key, IGatewayUserFeature user, string id)
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WatchSnapshot? _current;

    public string Key { get; } = key;

    public IGatewayUserFeature User { get; } = user;

    public string Id { get; } = id;

    /// <summary>Local watchers (guarded by the hub's lock).</summary>
    public int Watchers { get; set; }

    public CancellationTokenSource Stop { get; } = new();

    public Task? Loop { get; set; }

    /// <summary>Set by the loop while this instance holds the lease.</summary>
    public volatile bool Polling;

    public WatchSnapshot? Current => Volatile.Read(ref _current);

    /// <summary>Completes at the next change. Read it before <see cref="Current"/>, so a change in between is not missed.</summary>
    public Task Changed => Volatile.Read(ref _changed).Task;

    /// <summary>
    /// Takes a new answer unless it is the one held, older (a status never goes back: a late cache read or message
    /// loses to what is known) or the held one is final. <c>true</c> when it changed.
    /// </summary>
    public bool Offer(WatchSnapshot? snapshot)
    {
        if (snapshot is null)
        {
            return false;
        }

        TaskCompletionSource changed;
        lock (_gate)
        {
            var current = _current;
            if (current is not null && (current.Terminal || current.Version == snapshot.Version || snapshot.Rank < current.Rank))
            {
                return false;
            }

            Volatile.Write(ref _current, snapshot);
            changed = _changed;
            Volatile.Write(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        changed.TrySetResult();
        return true;
    }
}

/// <summary>An answer about a generation: a status (200) or an error that ends the watch; its version is its ETag's value.</summary>
internal sealed class WatchSnapshot
{
    private WatchSnapshot(int status, byte[] body, int rank, bool terminal)
    {
        Status = status;
        Body = body;
        Rank = rank;
        Terminal = terminal;
        Version = StatusETag.Version(body);
    }

    public int Status { get; }

    public byte[] Body { get; }

    public string Version { get; }

    public string ETag => StatusETag.FromVersion(Version);

    /// <summary>0 pending, 1 processing, 2 final (or an error).</summary>
    public int Rank { get; }

    public bool Terminal { get; }

    public bool IsStatus => Status == StatusCodes.Status200OK;

    /// <summary>A <c>200</c> status body (<c>null</c> when it is not one), or a <c>4xx</c> error body.</summary>
    public static WatchSnapshot? Of(int status, byte[] body)
    {
        if (status != StatusCodes.Status200OK)
        {
            return new WatchSnapshot(status, body, 2, terminal: true);
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("status", out var value) || value.ValueKind != JsonValueKind.String)
            {
                return null;
            }

            return value.GetString() switch
            {
                "PENDING" => new WatchSnapshot(status, body, 0, terminal: false),
                "COMPLETED" or "FAILED" => new WatchSnapshot(status, body, 2, terminal: true),
                _ => new WatchSnapshot(status, body, 1, terminal: false),
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static WatchSnapshot Error(Errors.GatewayError error) =>
        new(error.Status, JsonSerializer.SerializeToUtf8Bytes(error, Errors.GatewayErrorJsonContext.Default.GatewayError), 2, terminal: true);

    /// <summary>Bus message: the status code (4 bytes, little-endian), then the body.</summary>
    public byte[] Encode()
    {
        var message = new byte[4 + Body.Length];
        BinaryPrimitives.WriteInt32LittleEndian(message, Status);
        Body.CopyTo(message, 4);
        return message;
    }

    public static WatchSnapshot? Decode(byte[] message) =>
        message.Length < 4 ? null : Of(BinaryPrimitives.ReadInt32LittleEndian(message), message[4..]);
}
