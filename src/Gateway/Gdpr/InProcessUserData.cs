using Genlook.Gateway.Caching;
using Genlook.Gateway.Ownership;
using Genlook.Gateway.Proxy;
using Genlook.Gateway.RateLimiting;
using Microsoft.Extensions.Options;

namespace Genlook.Gateway.Gdpr;

/// <summary>
/// What one instance keeps about users in its own memory, beside the shared store: remembered ownership verdicts
/// (<see cref="OwnershipStore.VerdictMemory"/>), L1 generation statuses (up to <c>Caching:TerminalTtl</c>; they hold
/// result image URLs) and the rate-limit logs of the fallback limiter. A GDPR erase drops them on every instance.
/// </summary>
internal sealed class InProcessUserData(OwnershipStore ownership, GenerationStatusCache statuses, InMemoryRateLimitStore limits, IOptions<GenlookOptions> genlook)
{
    public void Forget(string pseudonym)
    {
        // Verdicts first: a status is served only after an ownership check, so from here on none of the user's is served.
        ownership.ForgetVerdicts(pseudonym);
        statuses.ForgetLocal(pseudonym);
        var limiterKeys = genlook.Value.Accounts.Keys.SelectMany(account => RateLimitKeys.AllFor(pseudonym, account)).ToHashSet(StringComparer.Ordinal);
        limits.Forget(limiterKeys.Contains);
    }

    /// <summary>
    /// When an erase may have been missed (whose, unknown): drops every verdict and every L1 status. The fallback
    /// limiter's logs are kept; they age out with their windows.
    /// </summary>
    public void ForgetEveryone()
    {
        ownership.ForgetVerdicts();
        statuses.ForgetAllLocal();
    }
}
