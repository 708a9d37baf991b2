using System.Buffers.Binary;
using System.Text.Json;
using Genlook.Gateway.Identity;
using Genlook.Gateway.Storage;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Genlook.Gateway.Caching;

/// <summary>
/// Generation statuses, per user and account: a small in-process L1 in front of the shared store (L2, Redis), both
/// expiring with the entry. Terminal statuses live until the result URL's signature expires (less a safety margin) or
/// <c>Caching:TerminalTtl</c>, whichever comes first; pending ones for <c>Caching:PendingTtl</c>. Entries sit under the
/// user's hash tag and in the user's index, so GDPR erase purges them.
/// <para>
/// Not HybridCache: its entry options are fixed before the factory runs, but here the lifetime depends on the fetched
/// value (the signed URL's expiry), and the value is the proxied response itself, not the result of a factory call.
/// </para>
/// <para>
/// The L1 is a <see cref="MemoryCache"/> (not <see cref="IMemoryCache"/>) so that a GDPR erase can find one user's entries by key.
/// </para>
/// </summary>
internal sealed class GenerationStatusCache(IGatewayStore store, MemoryCache memory, TimeProvider time, IOptions<CachingOptions> options) : Gdpr.IUserDataEraser
{
    private readonly CachingOptions _options = options.Value;

    public static string Key(IGatewayUserFeature user, string generationId) => StoreKeys.UserKey(user.Pseudonym, user.Account, "status", generationId);

    private static string FetchLockKey(IGatewayUserFeature user, string generationId) => Key(user, generationId) + ":fetching";

    /// <summary>
    /// Cross-instance stampede protection: the first instance to miss takes a short lock in the store and fetches;
    /// the others wait (bounded) for its entry instead of calling Genlook too. A waiter that finds the lock free and no
    /// entry (the holder's answer could not be cached, or it failed) takes the lock and fetches at once.
    /// <c>Fetch</c> when this caller should fetch; <c>Lock</c>, the token of the lock it took (none when it fetches
    /// because the lock's holder is stuck).
    /// </summary>
    public async Task<(bool Fetch, byte[]? Lock, CachedStatus? Entry)> ClaimFetchAsync(IGatewayUserFeature user, string generationId, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        var token = System.Security.Cryptography.RandomNumberGenerator.GetBytes(16);
        var lockKey = FetchLockKey(user, generationId);
        if (await store.SetIfAbsentAsync(lockKey, token, maxWait, cancellationToken))
        {
            return (true, token, null);
        }

        var deadline = time.GetUtcNow() + maxWait;
        while (time.GetUtcNow() < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(25), time, cancellationToken);
            if (await TryGetAsync(user, generationId, cancellationToken) is { } entry)
            {
                return (false, null, entry);
            }

            if (await store.SetIfAbsentAsync(lockKey, token, maxWait, cancellationToken))
            {
                // The holder may have stored its entry and let go between the two reads: then that entry, not a second call.
                if (await TryGetAsync(user, generationId, cancellationToken) is { } stored)
                {
                    await store.DeleteIfHeldAsync(lockKey, token, CancellationToken.None);
                    return (false, null, stored);
                }

                return (true, token, null);
            }
        }

        return (true, null, null); // the other instance is stuck: ask for ourselves
    }

    /// <summary>Frees the lock <paramref name="token"/> took, if it still holds it: never another instance's, taken after ours expired.</summary>
    public Task ReleaseFetchAsync(IGatewayUserFeature user, string generationId, byte[]? token) =>
        token is null ? Task.CompletedTask : store.DeleteIfHeldAsync(FetchLockKey(user, generationId), token, CancellationToken.None);

    public async Task<CachedStatus?> TryGetAsync(IGatewayUserFeature user, string generationId, CancellationToken cancellationToken)
    {
        var key = Key(user, generationId);
        var now = time.GetUtcNow();
        if (memory.TryGetValue(key, out CachedStatus? local) && local!.ExpiresAt > now)
        {
            return local;
        }

        var stored = await store.GetAsync(key, cancellationToken);
        if (stored is not { Length: > 8 })
        {
            return null;
        }

        var entry = new CachedStatus(stored[8..], DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(stored)));
        if (entry.ExpiresAt <= now)
        {
            return null;
        }

        Remember(key, entry);
        return entry;
    }

    /// <summary>Caches a fresh <c>200</c> status body; returns the entry, or <c>null</c> when it must not be cached.</summary>
    public async Task<CachedStatus?> StoreAsync(IGatewayUserFeature user, string generationId, byte[] body, CancellationToken cancellationToken)
    {
        var lifetime = Lifetime(body);
        if (lifetime <= TimeSpan.Zero)
        {
            return null;
        }

        var entry = new CachedStatus(body, time.GetUtcNow() + lifetime);
        var value = new byte[8 + body.Length];
        BinaryPrimitives.WriteInt64LittleEndian(value, entry.ExpiresAt.ToUnixTimeMilliseconds());
        body.CopyTo(value, 8);
        var key = Key(user, generationId);
        await store.SetIndexedAsync(StoreKeys.UserIndex(user.Pseudonym), key, value, lifetime, cancellationToken);
        Remember(key, entry);
        return entry;
    }

    /// <summary>How long a status body may be served again: by status, bounded by its result URL's signature.</summary>
    internal TimeSpan Lifetime(byte[] body)
    {
        string? status = null;
        string? resultUrl = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return TimeSpan.Zero;
            }

            if (root.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String)
            {
                status = s.GetString();
            }

            if (root.TryGetProperty("resultImageUrl", out var u) && u.ValueKind == JsonValueKind.String)
            {
                resultUrl = u.GetString();
            }
        }
        catch (JsonException)
        {
            return TimeSpan.Zero;
        }

        switch (status)
        {
            case "PENDING" or "PROCESSING":
                return _options.PendingTtl;
            case "COMPLETED" or "FAILED":
                var lifetime = _options.TerminalTtl;
                if (SignedUrlExpiry.Parse(resultUrl) is { } expiresAt)
                {
                    // In this order: an unreadable expiry is MinValue, which cannot have the margin taken off.
                    var usable = expiresAt - time.GetUtcNow() - _options.UrlSafetyMargin;
                    lifetime = usable < lifetime ? usable : lifetime;
                }

                return lifetime;
            default:
                return TimeSpan.Zero;
        }
    }

    /// <summary>Drops the user's statuses from this instance's L1 (GDPR erase; the store's copies go with the user's index).</summary>
    public void ForgetLocal(string pseudonym) => memory.RemoveUserEntries(pseudonym);

    /// <summary>Drops every status from this instance's L1 (an erase may have been missed).</summary>
    public void ForgetAllLocal() => memory.Compact(1.0);

    private void Remember(string key, CachedStatus entry) =>
        memory.Set(key, entry, new MemoryCacheEntryOptions { AbsoluteExpiration = entry.ExpiresAt, Size = entry.Body.Length + 64 });
}

/// <summary>A cached status response body and the moment it stops being servable.</summary>
internal sealed record CachedStatus(byte[] Body, DateTimeOffset ExpiresAt)
{
    /// <summary>The body's content-derived ETag (the same on every instance), computed once per entry.</summary>
    public string ETag => field ??= StatusETag.FromVersion(StatusETag.Version(Body));
}
