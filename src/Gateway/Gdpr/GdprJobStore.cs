using System.Text.Json;
using Genlook.Gateway.Storage;
using Microsoft.Extensions.Options;

namespace Genlook.Gateway.Gdpr;

/// <summary>Job records in the shared store, kept for the audit period (<c>Gdpr:AuditRetention</c>).</summary>
internal sealed class GdprJobStore(IGatewayStore store, IOptions<GdprOptions> options)
{
    public static string Key(string jobId) => StoreKeys.Prefix + "gdpr:job:" + jobId;

    public static string LockKey(string jobId) => StoreKeys.Prefix + "gdpr:lock:" + jobId;

    public Task SaveAsync(GdprJob job, CancellationToken cancellationToken) =>
        store.SetAsync(Key(job.JobId), JsonSerializer.SerializeToUtf8Bytes(job, GdprJsonContext.Default.GdprJob), options.Value.AuditRetention, cancellationToken);

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

    /// <summary>One worker at a time per job, across instances; the lock lapses by itself if its holder dies.</summary>
    public Task<bool> TryLockAsync(string jobId, string consumer, CancellationToken cancellationToken) =>
        store.SetIfAbsentAsync(LockKey(jobId), System.Text.Encoding.UTF8.GetBytes(consumer), options.Value.ClaimIdleTime, cancellationToken);

    public Task UnlockAsync(string jobId) => store.DeleteAsync([LockKey(jobId)], CancellationToken.None);
}
