using System.Collections.Concurrent;

namespace Genlook.Gateway.Gdpr;

/// <summary>The embedded mode's queue: same semantics in one process, not durable across restarts.</summary>
internal sealed class InMemoryGdprQueue(TimeProvider time) : IGdprQueue
{
    private readonly ConcurrentDictionary<string, (string JobId, DateTimeOffset At)> _entries = new(StringComparer.Ordinal);
    private long _sequence;

    public Task EnqueueAsync(string jobId, CancellationToken cancellationToken)
    {
        _entries[Interlocked.Increment(ref _sequence).ToString(System.Globalization.CultureInfo.InvariantCulture)] = (jobId, time.GetUtcNow());
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<GdprQueueEntry>> FetchAsync(string consumer, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<GdprQueueEntry>>(_entries.Select(e => new GdprQueueEntry(e.Key, e.Value.JobId)).ToList());

    public Task CompleteAsync(GdprQueueEntry entry, CancellationToken cancellationToken)
    {
        _entries.TryRemove(entry.EntryId, out _);
        return Task.CompletedTask;
    }

    public Task HandBackAsync(string consumer, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<TimeSpan?> OldestPendingAgeAsync(CancellationToken cancellationToken) =>
        Task.FromResult<TimeSpan?>(_entries.IsEmpty ? null : time.GetUtcNow() - _entries.Values.Min(e => e.At));
}
