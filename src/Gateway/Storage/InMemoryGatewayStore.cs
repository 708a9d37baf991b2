using System.Collections.Concurrent;

namespace Genlook.Gateway.Storage;

/// <summary>
/// The embedded store: one process only (state is lost on restart and not shared between instances).
/// Expired entries are dropped when read and swept periodically, so memory stays bounded by live data.
/// </summary>
internal sealed class InMemoryGatewayStore(TimeProvider time) : IGatewayStore
{
    /// <summary>How often a write may start a sweep of expired entries.</summary>
    internal static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, Entry> _values = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IndexEntry> _indexes = new(StringComparer.Ordinal);

    // Serializes the lock operations, so that no lock changes holder between the check of its holder and what it guards.
    private readonly Lock _locks = new();

    // UTC ticks before which no sweep starts.
    private long _nextSweep;

    /// <summary>Entries held, live or expired and not yet swept (tests).</summary>
    internal int Count => _values.Count;

    public Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        Task.FromResult(TryGetLive(key, out var entry) ? entry.Value : null);

    public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) =>
        Task.FromResult(TryGetLive(key, out _));

    public Task SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        _values[key] = new Entry(value.ToArray(), now + timeToLive);
        SweepIfDue(now);
        return Task.CompletedTask;
    }

    public Task<bool> SetIfAbsentAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        var fresh = new Entry(value.ToArray(), Expiry(timeToLive));
        lock (_locks)
        {
            while (true)
            {
                if (_values.TryAdd(key, fresh))
                {
                    return Task.FromResult(true);
                }

                if (_values.TryGetValue(key, out var existing))
                {
                    if (!IsExpired(existing))
                    {
                        return Task.FromResult(false);
                    }

                    if (_values.TryUpdate(key, fresh, existing))
                    {
                        return Task.FromResult(true);
                    }
                }
            }
        }
    }

    public Task<bool> SetIfHeldAsync(string lockKey, ReadOnlyMemory<byte> owner, string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        var fresh = new Entry(value.ToArray(), Expiry(timeToLive));
        lock (_locks)
        {
            if (!Holds(lockKey, owner.Span, out _))
            {
                return Task.FromResult(false);
            }

            _values[key] = fresh;
            return Task.FromResult(true);
        }
    }

    public Task<bool> ExtendIfHeldAsync(string key, ReadOnlyMemory<byte> owner, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        lock (_locks)
        {
            if (!Holds(key, owner.Span, out var entry))
            {
                return Task.FromResult(false);
            }

            _values[key] = entry with { ExpiresAt = Expiry(timeToLive) };
            return Task.FromResult(true);
        }
    }

    public Task<bool> DeleteIfHeldAsync(string key, ReadOnlyMemory<byte> owner, CancellationToken cancellationToken = default)
    {
        lock (_locks)
        {
            return Task.FromResult(Holds(key, owner.Span, out _) && _values.TryRemove(key, out _));
        }
    }

    public Task SetIndexedAsync(string indexKey, string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var expiry = now + timeToLive;
        var entry = new Entry(value.ToArray(), expiry);
        var index = _indexes.GetOrAdd(indexKey, _ => new IndexEntry());
        lock (index)
        {
            // The value under the index's lock too: a sweep pruning the index never sees a member before its value.
            index.Keys.Add(key);
            index.ExpiresAt = index.ExpiresAt > expiry ? index.ExpiresAt : expiry;
            _values[key] = entry;
        }

        SweepIfDue(now);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> GetIndexAsync(string indexKey, CancellationToken cancellationToken = default)
    {
        if (!_indexes.TryGetValue(indexKey, out var index))
        {
            return Task.FromResult<IReadOnlyList<string>>([]);
        }

        lock (index)
        {
            return Task.FromResult<IReadOnlyList<string>>(index.ExpiresAt <= time.GetUtcNow() ? [] : index.Keys.ToArray());
        }
    }

    public Task<long> DeleteAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        long deleted = 0;
        foreach (var key in keys)
        {
            if (_values.TryRemove(key, out var entry) && !IsExpired(entry))
            {
                deleted++;
            }

            if (_indexes.TryRemove(key, out _))
            {
                deleted++;
            }
        }

        return Task.FromResult(deleted);
    }

    public Task<TimeSpan> PingAsync(CancellationToken cancellationToken = default) => Task.FromResult(TimeSpan.Zero);

    private bool TryGetLive(string key, out Entry entry)
    {
        if (_values.TryGetValue(key, out entry!) && !IsExpired(entry))
        {
            return true;
        }

        if (entry is not null)
        {
            _values.TryRemove(new KeyValuePair<string, Entry>(key, entry));
        }

        return false;
    }

    private bool Holds(string key, ReadOnlySpan<byte> owner, out Entry entry) =>
        TryGetLive(key, out entry) && entry.Value.AsSpan().SequenceEqual(owner);

    private DateTimeOffset Expiry(TimeSpan timeToLive) => time.GetUtcNow() + timeToLive;

    private bool IsExpired(Entry entry) => entry.ExpiresAt <= time.GetUtcNow();

    /// <summary>
    /// At most every <see cref="SweepInterval"/>, a write starts a sweep of what has expired on the thread pool, so
    /// never-read keys cannot pile up. A sweep walks every entry, so it keeps to a clock and off the request: every N
    /// writes on the writer's thread, its cost would grow with the store (try-ons write records kept for days) and
    /// land on requests.
    /// </summary>
    private void SweepIfDue(DateTimeOffset now)
    {
        // The one writer that moves the due time on starts the sweep.
        var due = Volatile.Read(ref _nextSweep);
        if (now.UtcTicks >= due && Interlocked.CompareExchange(ref _nextSweep, (now + SweepInterval).UtcTicks, due) == due)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static store => store.Sweep(), this, preferLocal: false);
        }
    }

    private void Sweep()
    {
        var now = time.GetUtcNow();
        foreach (var (key, entry) in _values)
        {
            if (entry.ExpiresAt <= now)
            {
                _values.TryRemove(new KeyValuePair<string, Entry>(key, entry));
            }
        }

        foreach (var (key, index) in _indexes)
        {
            if (index.ExpiresAt <= now)
            {
                _indexes.TryRemove(new KeyValuePair<string, IndexEntry>(key, index));
                continue;
            }

            // A live index drops the members whose values have gone: it lives as long as its newest member, so a user
            // active at least weekly would otherwise keep every key ever written for them.
            lock (index)
            {
                index.Keys.RemoveWhere(member => !_values.TryGetValue(member, out var entry) || entry.ExpiresAt <= now);
            }
        }
    }

    private sealed record Entry(byte[] Value, DateTimeOffset ExpiresAt);

    private sealed class IndexEntry
    {
        public HashSet<string> Keys { get; } = new(StringComparer.Ordinal);

        public DateTimeOffset ExpiresAt { get; set; }
    }
}
