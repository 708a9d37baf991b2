namespace Genlook.Gateway.Gdpr;

/// <summary>One queued job, as its queue knows it.</summary>
internal sealed record GdprQueueEntry(string EntryId, string JobId);

/// <summary>
/// The durable work list of erase jobs, shared by every instance: a job is worked by one consumer at a time and taken
/// over by another when its consumer goes silent (dies). Redis Streams with a consumer group; in memory for one instance.
/// </summary>
internal interface IGdprQueue
{
    Task EnqueueAsync(string jobId, CancellationToken cancellationToken);

    /// <summary>The entries this consumer should look at now: its own unfinished ones, stale ones of silent consumers, and new ones.</summary>
    Task<IReadOnlyList<GdprQueueEntry>> FetchAsync(string consumer, CancellationToken cancellationToken);

    /// <summary>The job is finished (completed or failed): remove it from the queue.</summary>
    Task CompleteAsync(GdprQueueEntry entry, CancellationToken cancellationToken);

    /// <summary>Graceful shutdown: give this consumer's unfinished entries back so another instance takes them at once.</summary>
    Task HandBackAsync(string consumer, CancellationToken cancellationToken);

    /// <summary>Age of the oldest unfinished job, or <c>null</c> when there is none.</summary>
    Task<TimeSpan?> OldestPendingAgeAsync(CancellationToken cancellationToken);
}
