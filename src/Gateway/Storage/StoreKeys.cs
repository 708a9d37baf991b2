namespace Genlook.Gateway.Storage;

/// <summary>
/// Key layout. Everything the gateway keeps for a user sits under the hash tag <c>{u:&lt;pseudonym&gt;}</c>, so one user's
/// keys share a Redis Cluster slot (atomic multi-key writes) and the user's index finds them all for GDPR erase.
/// Keys hold the pseudonym only, never the raw subject.
/// </summary>
public static class StoreKeys
{
    public const string Prefix = "gw:";

    public static string UserTag(string pseudonym) => Prefix + "{u:" + pseudonym + "}";

    /// <summary>The index of every key held for the user (in Redis a sorted set scored by each key's expiry).</summary>
    public static string UserIndex(string pseudonym) => UserTag(pseudonym) + ":index";

    public static string UserKey(string pseudonym, string account, string kind, string id) =>
        string.Concat(UserTag(pseudonym), ":", account, ":", kind, ":", id);

    /// <summary>
    /// Drops the user's entries from an in-process cache keyed by store keys (GDPR erase). Walks the cache: erasures are
    /// rare, and the caches are size-bounded.
    /// </summary>
    internal static void RemoveUserEntries(this Microsoft.Extensions.Caching.Memory.MemoryCache cache, string pseudonym)
    {
        var prefix = UserTag(pseudonym) + ":";
        foreach (var key in cache.Keys)
        {
            if (key is string name && name.StartsWith(prefix, StringComparison.Ordinal))
            {
                cache.Remove(key);
            }
        }
    }
}
