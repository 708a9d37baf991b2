using Genlook.Gateway.Identity;
using Genlook.Gateway.Storage;

namespace Genlook.Gateway.RateLimiting;

/// <summary>
/// Where limiter state lives. Per-user budgets (<c>reads</c>, <c>uploads</c>) sit under the user's hash tag. A try-on is
/// checked against the user's <c>tryon</c> budget and the shared <c>account</c> budget in one atomic script, which Redis
/// Cluster allows only within one slot, so the try-on keys sit under the account's hash tag instead; they are still
/// named by pseudonym (never the raw subject) and expire on their own one window after their last admission. A GDPR erase
/// leaves them to expire (CONTRACT §6): erasing them would hand the user a fresh budget.
/// </summary>
public static class RateLimitKeys
{
    public static string AccountTag(string account) => StoreKeys.Prefix + "{a:" + account + "}";

    public static string UserPolicy(IGatewayUserFeature user, string policy) =>
        policy == RateLimitPolicies.TryOn
            ? AccountTag(user.Account) + ":rl:tryon:" + user.Pseudonym
            : StoreKeys.UserTag(user.Pseudonym) + ":rl:" + user.Account + ":" + policy;

    public static string AccountBudget(string account) => AccountTag(account) + ":rl:account";

    /// <summary>Set while Genlook's own per-account limit holds try-ons back (its <c>Retry-After</c>).</summary>
    public static string AccountHold(string account) => AccountTag(account) + ":hold";
}
