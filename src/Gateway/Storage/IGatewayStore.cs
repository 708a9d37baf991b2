namespace Genlook.Gateway.Storage;

/// <summary>
/// The gateway's shared state (ownership records, cached statuses, idempotency records): small values with a TTL,
/// plus a per-user index of keys so everything held for a user can be found and erased without scanning.
/// Redis in production (shared by every instance); in memory for a single instance.
/// Every call fails with <see cref="StoreUnavailableException"/> when the store cannot answer, fast.
/// </summary>
public interface IGatewayStore
{
    Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default);

    Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default);

    Task SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default);

    /// <summary>Sets the value only when the key is absent (a lock or a first writer wins). <c>true</c> when it was set.</summary>
    Task<bool> SetIfAbsentAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets <paramref name="key"/> only while the lock <paramref name="lockKey"/> holds <paramref name="owner"/>, atomically:
    /// a worker that lost its lock cannot overwrite what its successor saved. <c>true</c> when it was set. Both keys
    /// must share a hash tag (see <see cref="StoreKeys"/>).
    /// </summary>
    Task<bool> SetIfHeldAsync(string lockKey, ReadOnlyMemory<byte> owner, string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default);

    /// <summary>Gives the lock <paramref name="key"/> a new time to live, only while it holds <paramref name="owner"/>. <c>true</c> when it did.</summary>
    Task<bool> ExtendIfHeldAsync(string key, ReadOnlyMemory<byte> owner, TimeSpan timeToLive, CancellationToken cancellationToken = default);

    /// <summary>Deletes the lock <paramref name="key"/> only while it holds <paramref name="owner"/>: a late holder never frees its successor's lock.</summary>
    Task<bool> DeleteIfHeldAsync(string key, ReadOnlyMemory<byte> owner, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets the value and records <paramref name="key"/> in the index <paramref name="indexKey"/>, atomically; the index lives
    /// at least as long as the value, and keys that have expired leave it. Both keys must share a hash tag (see <see cref="StoreKeys"/>).
    /// </summary>
    Task SetIndexedAsync(string indexKey, string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default);

    /// <summary>The keys recorded in an index (some may have expired since the last write).</summary>
    Task<IReadOnlyList<string>> GetIndexAsync(string indexKey, CancellationToken cancellationToken = default);

    /// <summary>Deletes keys; returns how many existed.</summary>
    Task<long> DeleteAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default);

    /// <summary>Round trip to the store, for readiness.</summary>
    Task<TimeSpan> PingAsync(CancellationToken cancellationToken = default);
}

/// <summary>The store did not answer (down, unreachable, too slow). Callers fail closed with <c>503</c>.</summary>
public sealed class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
