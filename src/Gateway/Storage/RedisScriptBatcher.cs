using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using StackExchange.Redis;

namespace Genlook.Gateway.Storage;

/// <summary>
/// Coalesces concurrent calls of one Lua script into one call that handles them in order (auto-batching): calls that
/// arrive while a batch is out wait for a free slot and then go together. Under load this turns one round trip per
/// request into one per batch — in Redis the script call's fixed price and the socket work, in the gateway the
/// client's per-command work — while a lone call on an idle gateway goes at once. A batch's script runs atomically, so
/// each item still sees the effects of the items before it: batching changes no outcome.
/// <para>
/// Hand-written because StackExchange.Redis pipelines commands but cannot merge them, and no library batches scripts.
/// </para>
/// <para>
/// What is taken from the queue together is a round. On a standalone server a round is one script call. In Redis
/// Cluster one script call may touch one hash slot, so a round is split by the hash slot of each item's keys (which
/// must share a hash tag, as the gateway's keys do) and sends one call per slot, all at once: the multiplexer pipelines
/// them to their nodes, so a round costs one round trip however many users it holds. Its in-flight slot is free once
/// all of its calls have ended.
/// </para>
/// <para>
/// Bounded: at most <see cref="MaxQueued"/> items wait (more fail at once), and an item that waited longer than the
/// budget fails without being sent, as does a call that takes longer than it; so no caller waits more than about
/// twice the budget, however slow Redis is.
/// </para>
/// </summary>
internal abstract class RedisScriptBatcher<TItem, TResult> : IAsyncDisposable
{
    /// <summary>Items per round (per script call on a standalone server); a longer queue goes in several rounds.</summary>
    public const int MaxBatch = 128;

    private const int MaxQueued = 16_384;

    private readonly IConnectionMultiplexer _redis;
    private readonly string _script;
    private readonly string _operation;
    private readonly TimeSpan _budget;
    private readonly SemaphoreSlim _slots;
    private readonly int _maxInFlight;
    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(MaxQueued)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private readonly Task _loop;
    private readonly Polly.ResiliencePipeline? _pipeline;
    private bool? _isCluster;

    /// <param name="redis">The connection.</param>
    /// <param name="script">The Lua script, which takes a whole batch (see <see cref="Encode"/>).</param>
    /// <param name="operation">The span name of a call, e.g. <c>EVALSHA rate-limit</c>.</param>
    /// <param name="budget">How long an item may wait for its round to start, and a call for its answer.</param>
    /// <param name="maxInFlight">
    /// Rounds out at once. One gives the largest batches (they grow exactly as fast as Redis is slow); more keeps one
    /// slow call from holding up the others.
    /// </param>
    /// <param name="pipeline">Wraps each script call (a circuit breaker): outcomes are sampled once per call, not per item.</param>
    protected RedisScriptBatcher(IConnectionMultiplexer redis, string script, string operation, TimeSpan budget, int maxInFlight, Polly.ResiliencePipeline? pipeline = null)
    {
        _pipeline = pipeline;
        _redis = redis;
        _script = script;
        _operation = operation;
        _budget = budget;
        _maxInFlight = maxInFlight;
        _slots = new SemaphoreSlim(maxInFlight, maxInFlight);
        _loop = Task.Run(SendBatchesAsync);
    }

    /// <summary>Queues <paramref name="item"/> for the next batch; the task ends with its result or the batch's failure.</summary>
    public Task<TResult> RunAsync(TItem item)
    {
        var pending = new Pending(item);
        if (!_queue.Writer.TryWrite(pending))
        {
            pending.TrySetException(new TimeoutException($"Too many '{_operation}' calls are waiting for Redis."));
        }

        return pending.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <summary>The connection the batches go over.</summary>
    protected IConnectionMultiplexer Redis => _redis;

    /// <summary>The key whose hash slot the item's keys share (Redis Cluster).</summary>
    protected abstract RedisKey SlotKey(TItem item);

    /// <summary>The script's KEYS and ARGV for a batch, items in order.</summary>
    protected abstract (RedisKey[] Keys, RedisValue[] Args) Encode(IReadOnlyList<TItem> items);

    /// <summary>Each item's result from the script's answer, in order.</summary>
    protected abstract void Decode(RedisResult result, IReadOnlyList<TItem> items, Span<TResult> results);

    /// <summary>
    /// A call outlived the budget: its callers were failed, but Redis may still run it (a hung server runs what it
    /// queued once it resumes). Commands sent now on the same connection run after it, so they can undo its effects.
    /// </summary>
    protected virtual void Abandoned(IReadOnlyList<TItem> items)
    {
    }

    private async Task SendBatchesAsync()
    {
        var reader = _queue.Reader;
        var waiting = new List<Pending>(MaxBatch);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // A free slot first, then whatever queued meanwhile: the round is as large as the wait made it.
            await _slots.WaitAsync().ConfigureAwait(false);
            while (waiting.Count < MaxBatch && reader.TryRead(out var pending))
            {
                waiting.Add(pending);
            }

            var batch = new List<Pending>(waiting.Count);
            foreach (var pending in waiting)
            {
                if (_budget != Timeout.InfiniteTimeSpan && Stopwatch.GetElapsedTime(pending.Queued) > _budget)
                {
                    pending.TrySetException(new TimeoutException($"'{_operation}' waited more than {_budget.TotalMilliseconds} ms for Redis."));
                }
                else
                {
                    batch.Add(pending);
                }
            }

            waiting.Clear();
            if (batch.Count == 0)
            {
                _slots.Release();
            }
            else if (!IsCluster())
            {
                _ = SendAsync(batch, round: null);
            }
            else
            {
                // One call per hash slot, all sent now; the last to end frees the round's in-flight slot.
                var calls = RedisScriptBatcher.GroupBySlot(batch, pending => _redis.HashSlot(SlotKey(pending.Item)));
                var round = new StrongBox<int>(calls.Count);
                foreach (var call in calls)
                {
                    _ = SendAsync(call, round);
                }
            }
        }

        // Let the last calls finish before the connection goes.
        for (var i = 0; i < _maxInFlight; i++)
        {
            await _slots.WaitAsync().ConfigureAwait(false);
        }
    }

    /// <summary>One script call; <paramref name="round"/> counts the calls of a cluster round still out (else null).</summary>
    private async Task SendAsync(List<Pending> batch, StrongBox<int>? round)
    {
        var items = new TItem[batch.Count];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = batch[i].Item;
        }

        try
        {
            var (keys, args) = Encode(items);
            RedisResult answer;
            using (Observability.GatewayTelemetry.StartBatchStoreCall(_operation, batch, static pending => pending.Caller))
            {
                answer = _pipeline is null
                    ? await CallAsync(keys, args).ConfigureAwait(false)
                    : await _pipeline.ExecuteAsync(static (state, _) => new ValueTask<RedisResult>(state.Batcher.CallAsync(state.keys, state.args)), (Batcher: this, keys, args)).ConfigureAwait(false);
            }

            var results = new TResult[items.Length];
            Decode(answer, items, results);
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].TrySetResult(results[i]);
            }
        }
        catch (Exception ex)
        {
            // Before the callers hear of it: what they send next then goes after the undoing.
            if (ex is TimeoutException)
            {
                Abandoned(items);
            }

            foreach (var pending in batch)
            {
                pending.TrySetException(ex);
            }
        }
        finally
        {
            // The round's in-flight slot is free when its last call ends.
            if (round is null || Interlocked.Decrement(ref round.Value) == 0)
            {
                _slots.Release();
            }
        }
    }

    // StackExchange.Redis commands take no CancellationToken: bound the wait instead (one timer per batch).
    private Task<RedisResult> CallAsync(RedisKey[] keys, RedisValue[] args)
    {
        var call = _redis.GetDatabase().ScriptEvaluateAsync(_script, keys, args);
        return _budget == Timeout.InfiniteTimeSpan ? call : call.WaitAsync(_budget);
    }

    /// <summary>Whether Redis is a cluster, learnt once connected (a standalone server takes any mix of keys in one call).</summary>
    private bool IsCluster()
    {
        if (_isCluster is { } known)
        {
            return known;
        }

        if (!_redis.IsConnected)
        {
            return false;
        }

        var cluster = _redis.GetEndPoints(configuredOnly: true).Any(endpoint => _redis.GetServer(endpoint).ServerType == ServerType.Cluster);
        _isCluster = cluster;
        return cluster;
    }

    /// <summary>An item waiting for its batch. Continuations run on the thread pool, never on the batching loop.</summary>
    private sealed class Pending(TItem item) : TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public TItem Item { get; } = item;

        public long Queued { get; } = Stopwatch.GetTimestamp();

        /// <summary>The caller's span, when spans are collected: the batch's call span joins its trace or links to it.</summary>
        public ActivityContext Caller { get; } = Observability.GatewayTelemetry.CurrentContextIfTraced();
    }
}

/// <summary>The part of <see cref="RedisScriptBatcher{TItem,TResult}"/> that needs no Redis.</summary>
internal static class RedisScriptBatcher
{
    /// <summary>
    /// Splits a cluster round into one script call per hash slot: groups in the order their slots first appear, each
    /// group's items in the order they came (a script decides a batch's items one after the other).
    /// </summary>
    internal static List<List<T>> GroupBySlot<T>(IReadOnlyList<T> items, Func<T, int> slotOf)
    {
        var calls = new List<List<T>>();
        var bySlot = new Dictionary<int, List<T>>();
        foreach (var item in items)
        {
            var slot = slotOf(item);
            if (!bySlot.TryGetValue(slot, out var call))
            {
                call = [];
                bySlot.Add(slot, call);
                calls.Add(call);
            }

            call.Add(item);
        }

        return calls;
    }
}
