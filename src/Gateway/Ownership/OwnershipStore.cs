using Genlook.Gateway.Gdpr;
using Microsoft.Extensions.Caching.Memory;
using Genlook.Gateway.Identity;
using Genlook.Gateway.Storage;

namespace Genlook.Gateway.Ownership;

/// <summary>
/// Who owns which generation and image (CONTRACT §3). All users share one Genlook key, so Genlook cannot tell; the gateway
/// records every id it hands out under the caller's pseudonym and account. A record is a key under the user's hash tag,
/// so "does this user own X" is one EXISTS and the user's index finds every record for GDPR erase.
/// </summary>
internal sealed class OwnershipStore(IGatewayStore store, TimeProvider time) : IUserDataEraser
{
    /// <summary>
    /// A positive verdict is remembered in process this long, so an app polling its own generation costs one store
    /// round trip per poll less. Only "owns" is remembered (never "does not own"), per user, so no one gains access.
    /// A GDPR erase makes every instance forget the user's verdicts; an instance that misses the announcement keeps
    /// serving the erased user's own reads for up to this long.
    /// </summary>
    public static readonly TimeSpan VerdictMemory = TimeSpan.FromSeconds(5);

    private readonly Microsoft.Extensions.Caching.Memory.MemoryCache _owned = new(new Microsoft.Extensions.Caching.Memory.MemoryCacheOptions { SizeLimit = 100_000 });

    /// <summary>Genlook keeps customer images and results at most 7 days.</summary>
    public static readonly TimeSpan MaximumRetention = TimeSpan.FromDays(7);

    private static readonly byte[] Marker = "1"u8.ToArray();

    public Task RecordGenerationAsync(IGatewayUserFeature user, string generationId, TimeSpan retention, CancellationToken cancellationToken) =>
        store.SetIndexedAsync(StoreKeys.UserIndex(user.Pseudonym), GenerationKey(user, generationId), Marker, retention, cancellationToken);

    public Task RecordImageAsync(IGatewayUserFeature user, string imageId, TimeSpan retention, CancellationToken cancellationToken) =>
        store.SetIndexedAsync(StoreKeys.UserIndex(user.Pseudonym), ImageKey(user, imageId), Marker, retention, cancellationToken);

    public async Task<bool> OwnsGenerationAsync(IGatewayUserFeature user, string generationId, CancellationToken cancellationToken)
    {
        var key = GenerationKey(user, generationId);
        if (_owned.TryGetValue(key, out _))
        {
            return true;
        }

        if (!await store.ExistsAsync(key, cancellationToken))
        {
            return false;
        }

        _owned.Set(key, true, new Microsoft.Extensions.Caching.Memory.MemoryCacheEntryOptions { AbsoluteExpiration = time.GetUtcNow() + VerdictMemory, Size = 1 });
        return true;
    }

    /// <summary>Forgets the user's remembered verdicts (GDPR erase; the records go with the user's index).</summary>
    public void ForgetLocal(string pseudonym) => _owned.RemoveUserEntries(pseudonym);

    /// <summary>Forgets every remembered verdict (an erase may have been missed).</summary>
    public void ForgetAllLocal() => _owned.Compact(1.0);

    public Task<bool> OwnsImageAsync(IGatewayUserFeature user, string imageId, CancellationToken cancellationToken) =>
        store.ExistsAsync(ImageKey(user, imageId), cancellationToken);

    /// <summary>The retention Genlook applies: <c>keepForDays</c> when the request set a valid one, else the maximum.</summary>
    public static TimeSpan Retention(int? keepForDays) =>
        keepForDays is 1 or 3 or 7 ? TimeSpan.FromDays(keepForDays.Value) : MaximumRetention;

    internal static string GenerationKey(IGatewayUserFeature user, string generationId) =>
        StoreKeys.UserKey(user.Pseudonym, user.Account, "gen", generationId);

    internal static string ImageKey(IGatewayUserFeature user, string imageId) =>
        StoreKeys.UserKey(user.Pseudonym, user.Account, "img", imageId);
}
