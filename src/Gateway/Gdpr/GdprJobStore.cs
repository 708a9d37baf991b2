using System.Security.Cryptography;
using System.Text.Json;
using Genlook.Gateway.Storage;
using Microsoft.Extensions.Options;

namespace Genlook.Gateway.Gdpr;

/// <summary>Job records in the shared store, kept for the audit period (<c>Gdpr:AuditRetention</c>), and their locks.</summary>
internal sealed class GdprJobStore(IGatewayStore store, IOptions<GdprOptions> options, TimeProvider time)
{
    public static string Key(string jobId) => StoreKeys.Prefix + "gdpr:job:" + jobId;

    /// <summary>
    /// The job's lock. Its hash tag is the job's whole key, which has none (so Redis Cluster hashes all of it): the lock
    /// and the record share a slot, and a save can check the lock in the same script.
    /// </summary>
    public static string LockKey(string jobId) => StoreKeys.Prefix + "gdpr:lock:{" + Key(jobId) + "}";

    /// <summary>Stores a new job, before it is queued; once queued, a job is saved through its lease only.</summary>
    public Task SaveAsync(GdprJob job, CancellationToken cancellationToken) =>
        store.SetAsync(Key(job.JobId), Serialize(job), options.Value.AuditRetention, cancellationToken);

    public async Task<GdprJob?> GetAsync(string jobId, CancellationToken cancellationToken)
    {
        if (jobId.Length is 0 or > 64 || await store.GetAsync(Key(jobId), cancellationToken) is not { } bytes)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(bytes, GdprJsonContext.Default.GdprJob);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public Task DeleteAsync(string jobId, CancellationToken cancellationToken) => store.DeleteAsync([Key(jobId)], cancellationToken);

    /// <summary>
    /// One worker at a time per job, across instances: takes the job's lock under an owner token of its own, or
    /// returns <c>null</c> when another worker holds it. The lock lapses by itself after <c>Gdpr:ClaimIdleTime</c> if its
    /// holder dies; while the lease is held, it is extended.
    /// </summary>
    public async Task<GdprJobLease?> TryLeaseAsync(string jobId, CancellationToken cancellationToken)
    {
        var owner = RandomNumberGenerator.GetBytes(16);
        return await store.SetIfAbsentAsync(LockKey(jobId), owner, options.Value.ClaimIdleTime, cancellationToken)
            ? new GdprJobLease(store, jobId, owner, options.Value, time)
            : null;
    }

    internal static byte[] Serialize(GdprJob job) => JsonSerializer.SerializeToUtf8Bytes(job, GdprJsonContext.Default.GdprJob);
}

/// <summary>
/// One worker's hold on one job. A heartbeat extends the lock every third of <c>Gdpr:ClaimIdleTime</c> while the worker
/// works, so a pass may outlast the lock's lifetime (each Genlook account may take its full timeout). When an extension
/// finds the lock gone or taken, or the store stays silent until the lock may have lapsed, <see cref="Lost"/> is
/// cancelled and the worker must stop: another worker may own the job now. Saves are checked against the owner token
/// by the store, atomically, so a worker that lost its lock can never overwrite its successor's state.
/// </summary>
internal sealed class GdprJobLease : IAsyncDisposable
{
    private readonly IGatewayStore _store;
    private readonly string _jobId;
    private readonly string _lockKey;
    private readonly byte[] _owner;
    private readonly GdprOptions _options;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _released = new();
    private readonly Task _heartbeat;

    internal GdprJobLease(IGatewayStore store, string jobId, byte[] owner, GdprOptions options, TimeProvider time)
    {
        _store = store;
        _jobId = jobId;
        _lockKey = GdprJobStore.LockKey(jobId);
        _owner = owner;
        _options = options;
        _time = time;
        _heartbeat = HeartbeatAsync();
    }

    /// <summary>Cancelled when the lock is (or may be) lost.</summary>
    public CancellationToken Lost => _lost.Token;

    /// <summary>Saves the job if this lease still holds its lock; <c>false</c> when another worker took the job over.</summary>
    public Task<bool> SaveAsync(GdprJob job) =>
        _store.SetIfHeldAsync(_lockKey, _owner, GdprJobStore.Key(_jobId), GdprJobStore.Serialize(job), _options.AuditRetention, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await _released.CancelAsync();
        await _heartbeat;
        try
        {
            await _store.DeleteIfHeldAsync(_lockKey, _owner, CancellationToken.None);
        }
        catch (StoreUnavailableException)
        {
            // The lock lapses by itself after Gdpr:ClaimIdleTime.
        }

        _released.Dispose();
        _lost.Dispose();
    }

    private async Task HeartbeatAsync()
    {
        var lifetime = _options.ClaimIdleTime;
        var beat = lifetime / 3;
        var heldUntil = _time.GetUtcNow() + lifetime;
        try
        {
            while (true)
            {
                await Task.Delay(beat, _time, _released.Token);
                var asked = _time.GetUtcNow();
                try
                {
                    if (!await _store.ExtendIfHeldAsync(_lockKey, _owner, lifetime, _released.Token))
                    {
                        break; // lapsed and taken, or gone
                    }

                    heldUntil = asked + lifetime;
                }
                catch (StoreUnavailableException) when (_time.GetUtcNow() + beat < heldUntil)
                {
                    // A blip: the lock outlives the next beat, which tries again.
                }
            }
        }
        catch (OperationCanceledException) when (_released.IsCancellationRequested)
        {
            return;
        }
        catch (StoreUnavailableException)
        {
            // Silent until the lock may have lapsed: another worker may take the job, so this one stops.
        }

        await _lost.CancelAsync();
    }
}
