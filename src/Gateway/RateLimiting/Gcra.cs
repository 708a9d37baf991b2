namespace Genlook.Gateway.RateLimiting;

/// <summary>
/// The Generic Cell Rate Algorithm, for N rules at once (all or none). One number per rule, the theoretical arrival
/// time (TAT): a request is admitted when <c>max(TAT, now) + T - window &lt;= now</c>, i.e. bursts of up to
/// <c>PermitLimit</c>, then one permit every <c>T = window / PermitLimit</c>. No read-then-increment race: the Redis store
/// runs the very same arithmetic in one Lua script.
/// </summary>
internal static class Gcra
{
    /// <summary>Decides for all rules at once; <paramref name="newTats"/> are the TATs to store when the request is admitted.</summary>
    /// <param name="rules">The budgets to charge together.</param>
    /// <param name="tats">Current TAT per rule in ms (null when absent).</param>
    /// <param name="nowMs">Now, in ms since the Unix epoch.</param>
    /// <param name="newTats">The TATs after charging every rule.</param>
    public static RateLimitDecision Decide(IReadOnlyList<RateLimitRule> rules, double?[] tats, double nowMs, out double[] newTats)
    {
        newTats = new double[rules.Count];
        double retryMs = 0;
        for (var i = 0; i < rules.Count; i++)
        {
            var tat = Math.Max(tats[i] ?? nowMs, nowMs);
            newTats[i] = tat + rules[i].EmissionIntervalMs;
            var allowAt = newTats[i] - rules[i].Window.TotalMilliseconds;
            // A microsecond of tolerance: Redis stores TATs with 3 decimals, and both stores must decide alike.
            if (allowAt - nowMs > 0.001)
            {
                retryMs = Math.Max(retryMs, allowAt - nowMs);
            }
        }

        var allowed = retryMs <= 0;
        var states = new RateLimitState[rules.Count];
        for (var i = 0; i < rules.Count; i++)
        {
            var tat = allowed ? newTats[i] : Math.Max(tats[i] ?? nowMs, nowMs);
            states[i] = State(rules[i], tat, nowMs);
        }

        return new RateLimitDecision(allowed, TimeSpan.FromMilliseconds(retryMs), states);
    }

    public static RateLimitState State(RateLimitRule rule, double tatMs, double nowMs)
    {
        var used = Math.Max(tatMs - nowMs, 0);
        var remaining = (int)Math.Floor((rule.Window.TotalMilliseconds - used) / rule.EmissionIntervalMs + 1e-9);
        return new RateLimitState(Math.Clamp(remaining, 0, rule.PermitLimit), TimeSpan.FromMilliseconds(used));
    }
}
