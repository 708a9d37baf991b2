using Genlook.Gateway.Storage;
using Microsoft.Extensions.Options;

namespace Genlook.Gateway.Gdpr;

/// <summary>
/// Works erase jobs on every instance: fetches from the shared queue, takes a job's lease (one worker at a time, for as
/// long as it works: see <see cref="GdprJobLease"/>), attempts each target that is due, retries failures with
/// exponential backoff and full jitter, and finishes the job when every target has succeeded (or one has used all its
/// attempts). On shutdown it hands its jobs back.
/// </summary>
internal sealed partial class GdprWorker(
    IGdprQueue queue, GdprJobStore jobs, GdprEraser eraser, IOptions<GdprOptions> options, TimeProvider time,
    GdprMetrics metrics, StoreOutage outage, ILogger<GdprWorker> logger) : BackgroundService
{
    // Unique per process start: a restarted instance is a new consumer, and its predecessor's jobs are claimed as stale.
    private readonly string _consumer = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Exported at 0 from the start: Prometheus's increase() cannot see a first failure on a series that is born at 1.
        metrics.Jobs.Add(0, new KeyValuePair<string, object?>("gdpr.job.state", "failed"));
        var interval = options.Value.PollInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var entry in await queue.FetchAsync(_consumer, stoppingToken))
                {
                    stoppingToken.ThrowIfCancellationRequested();
                    await WorkAsync(entry, stoppingToken);
                }

                metrics.OldestPendingAge = await queue.OldestPendingAgeAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (RedisErrors.OutageReason(ex) is { } reason)
            {
                // Reported once per outage (StoreOutage; the store's own calls report themselves); this pass just ends early.
                if (ex is not StoreUnavailableException)
                {
                    outage.Failed(reason);
                }

                LogStoreDown(logger, reason);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // A worker that dies would stop the whole gateway (BackgroundService's default): log and keep working.
                LogWorkerError(logger, ex);
            }

            try
            {
                await Task.Delay(interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await queue.HandBackAsync(_consumer, cancellationToken);
        }
        catch (Exception ex) when (RedisErrors.OutageReason(ex) is { } reason)
        {
            // Not fatal: silent entries are claimed by another instance after Gdpr:ClaimIdleTime.
            LogStoreDown(logger, reason);
        }
        catch (OperationCanceledException)
        {
        }
    }

    internal async Task WorkAsync(GdprQueueEntry entry, CancellationToken cancellationToken)
    {
        var job = await jobs.GetAsync(entry.JobId, cancellationToken);
        if (job is null || job.Status is GdprJobStatus.Completed or GdprJobStatus.Failed)
        {
            await queue.CompleteAsync(entry, cancellationToken);
            return;
        }

        if (!job.Targets.Any(t => IsDue(t, time.GetUtcNow())))
        {
            return;
        }

        await using var lease = await jobs.TryLeaseAsync(job.JobId, cancellationToken);
        if (lease is null)
        {
            return;
        }

        try
        {
            // Re-read under the lock: another instance may have moved the job on meanwhile, or finished it.
            job = await jobs.GetAsync(entry.JobId, cancellationToken) ?? job;
            if (job.Status is GdprJobStatus.Completed or GdprJobStatus.Failed)
            {
                await queue.CompleteAsync(entry, cancellationToken);
                return;
            }

            using var working = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lease.Lost);
            await WorkLeasedAsync(entry, job, lease, working.Token);
        }
        catch (OperationCanceledException) when (lease.Lost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            LogLeaseLost(logger, entry.JobId);
        }
    }

    private async Task WorkLeasedAsync(GdprQueueEntry entry, GdprJob job, GdprJobLease lease, CancellationToken cancellationToken)
    {
        var before = job.Status;
        foreach (var target in job.Targets.Where(t => IsDue(t, time.GetUtcNow())))
        {
            await AttemptAsync(job, target, cancellationToken);
            if (!await lease.SaveAsync(job))
            {
                LogLeaseLost(logger, job.JobId);
                return;
            }
        }

        job.Status = Overall(job);
        if (job.Status is GdprJobStatus.Completed or GdprJobStatus.Failed)
        {
            job.CompletedAt = time.GetUtcNow();
        }

        if (!await lease.SaveAsync(job))
        {
            LogLeaseLost(logger, job.JobId);
            return;
        }

        if (job.Status != before)
        {
            LogJobState(logger, job.JobId, job.Status, job.Targets.Count(t => t.Status == GdprJobStatus.Completed), job.Targets.Count);
            if (job.Status == GdprJobStatus.Completed)
            {
                metrics.Jobs.Add(1, new KeyValuePair<string, object?>("gdpr.job.state", "completed"));
            }
            else if (job.Status == GdprJobStatus.Failed)
            {
                metrics.Jobs.Add(1, new KeyValuePair<string, object?>("gdpr.job.state", "failed"));
            }
        }

        // Only once the finished state is saved, by the lock's holder: until then the entry stays, for whoever goes on.
        if (job.Status is GdprJobStatus.Completed or GdprJobStatus.Failed)
        {
            await queue.CompleteAsync(entry, CancellationToken.None);
        }
    }

    private async Task AttemptAsync(GdprJob job, GdprTarget target, CancellationToken cancellationToken)
    {
        target.Attempts++;
        var error = await eraser.EraseAsync(target.Name, job.Pseudonym, cancellationToken);

        // Cut short (shutdown, or the lease was lost): not an attempt to record; the next holder makes it again.
        cancellationToken.ThrowIfCancellationRequested();
        var now = time.GetUtcNow();
        var kind = target.Name == GdprJob.StoreTarget ? "store" : "genlook";
        metrics.Attempts.Add(1, new("gdpr.target.kind", kind), new("outcome", error is null ? "success" : "failure"));
        if (error is null)
        {
            target.Status = GdprJobStatus.Completed;
            target.CompletedAt = now;
            target.NextAttemptAt = null;
            return;
        }

        target.LastError = error;
        if (target.Attempts >= options.Value.MaxAttempts)
        {
            target.Status = GdprJobStatus.Failed;
            target.NextAttemptAt = null;
            return;
        }

        target.Status = GdprJobStatus.Retrying;
        target.NextAttemptAt = now + Backoff(target.Attempts);
        LogTargetRetry(logger, job.JobId, target.Name, target.Attempts, error);
    }

    /// <summary>The delay before the next attempt at a target that has failed <paramref name="attempts"/> times.</summary>
    internal TimeSpan Backoff(int attempts) =>
        FullJitter(attempts, options.Value.RetryBaseDelay, options.Value.MaxRetryDelay, Random.Shared.NextDouble());

    /// <summary>
    /// Exponential backoff with full jitter (AWS architecture blog): uniform in [0, min(max, base·2^(n-1))), from
    /// <paramref name="unit"/> uniform in [0, 1). By hand: the delay is persisted per target, and Polly's generator is not public.
    /// </summary>
    internal static TimeSpan FullJitter(int attempts, TimeSpan baseDelay, TimeSpan maxDelay, double unit)
    {
        var ceiling = Math.Min(maxDelay.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, Math.Clamp(attempts - 1, 0, 30)));
        return TimeSpan.FromMilliseconds(unit * ceiling);
    }

    private static bool IsDue(GdprTarget target, DateTimeOffset now) =>
        target.Status is GdprJobStatus.Pending or GdprJobStatus.Retrying && (target.NextAttemptAt is null || target.NextAttemptAt <= now);

    private static GdprJobStatus Overall(GdprJob job) =>
        job.Targets.All(t => t.Status == GdprJobStatus.Completed) ? GdprJobStatus.Completed
        : job.Targets.Any(t => t.Status == GdprJobStatus.Failed) && job.Targets.All(t => t.Status is GdprJobStatus.Completed or GdprJobStatus.Failed) ? GdprJobStatus.Failed
        : job.Targets.Any(t => t.Status is GdprJobStatus.Retrying or GdprJobStatus.Failed) ? GdprJobStatus.Retrying
        : GdprJobStatus.Pending;

    [LoggerMessage(7001, LogLevel.Information, "GDPR audit: job {JobId} is now {Status} ({Done}/{Total} targets done).")]
    private static partial void LogJobState(ILogger logger, string jobId, GdprJobStatus status, int done, int total);

    [LoggerMessage(7002, LogLevel.Warning, "GDPR job {JobId}: target {Target} failed attempt {Attempt} ({Error}); retrying with backoff.")]
    private static partial void LogTargetRetry(ILogger logger, string jobId, string target, int attempt, string error);

    [LoggerMessage(7003, LogLevel.Debug, "GDPR worker could not reach the store ({Error}); retrying.")]
    private static partial void LogStoreDown(ILogger logger, string error);

    [LoggerMessage(7004, LogLevel.Error, "GDPR worker failed on a pass over the queue; it goes on with the next pass.")]
    private static partial void LogWorkerError(ILogger logger, Exception exception);

    [LoggerMessage(7006, LogLevel.Warning, "GDPR job {JobId}: this worker lost the job's lock (it stalled past Gdpr:ClaimIdleTime or the store went silent); it stops and leaves the job to the lock's holder.")]
    private static partial void LogLeaseLost(ILogger logger, string jobId);
}
