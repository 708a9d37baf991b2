using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.IdentityModel.Tokens;

namespace Genlook.Gateway.Identity;

/// <summary>
/// Bearer tokens that validated, and the identity each proved: an app sends the same token with every request until it
/// expires, so the gateway checks its signature once instead of once per request. An entry lives until the token
/// expires or <see cref="MaxAge"/> passes, whichever comes first; failures are never remembered. At most
/// <see cref="Capacity"/> tokens are kept: the map starts over when full (as the pseudonyms do).
/// Hand-written because neither ASP.NET Core nor Microsoft.IdentityModel offers a validation cache, and a lookup by the
/// header's characters (no substring per request) needs a map with a span lookup, which <c>MemoryCache</c> has not.
/// The price: a signing key revoked at the IdP keeps its tokens valid here for up to <see cref="MaxAge"/>.
/// </summary>
internal sealed class ValidatedTokens
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);
    internal const int Capacity = 20_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Entry>.AlternateLookup<ReadOnlySpan<char>> _byChars;
    private int _count;

    public ValidatedTokens() => _byChars = _entries.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The identity <paramref name="token"/> proved, while the entry is fresh at <paramref name="now"/>.</summary>
    public ClaimsIdentity? Find(ReadOnlySpan<char> token, DateTimeOffset now)
    {
        if (!_byChars.TryGetValue(token, out var entry))
        {
            return null;
        }

        if (entry.ExpiresAt > now)
        {
            return entry.Identity;
        }

        _byChars.TryRemove(token, out _);
        return null;
    }

    /// <summary>Remembers a validated token until <paramref name="tokenExpires"/> or <see cref="MaxAge"/> from now.</summary>
    public void Remember(string token, ClaimsIdentity identity, DateTimeOffset tokenExpires, DateTimeOffset now)
    {
        var expiresAt = tokenExpires < now + MaxAge ? tokenExpires : now + MaxAge;
        if (expiresAt <= now)
        {
            return;
        }

        if (Interlocked.Increment(ref _count) > Capacity)
        {
            _entries.Clear();
            Interlocked.Exchange(ref _count, 0);
        }

        _entries[token] = new Entry(new FrozenIdentity(identity), expiresAt);
    }

    private sealed record Entry(ClaimsIdentity Identity, DateTimeOffset ExpiresAt);

    /// <summary>
    /// One identity serves every request that carries its token, so it must not change: adding or removing a claim
    /// throws instead of leaking into the next request. <see cref="ClaimsIdentity.Clone"/> gives a mutable copy.
    /// Case-sensitive claim types, as the token handler's own identities are.
    /// </summary>
    internal sealed class FrozenIdentity(ClaimsIdentity source) : CaseSensitiveClaimsIdentity(source)
    {
        public override void AddClaim(Claim claim) => throw Frozen();

        public override void AddClaims(IEnumerable<Claim?> claims) => throw Frozen();

        public override void RemoveClaim(Claim? claim) => throw Frozen();

        public override bool TryRemoveClaim(Claim? claim) => throw Frozen();

        private static NotSupportedException Frozen() =>
            new("This identity is shared by every request with the same token; Clone() it to change its claims.");
    }
}
