namespace Genlook.Gateway.RateLimiting;

/// <summary>
/// The sliding-window log, for N rules at once (all or none): a rule admits a request when fewer than
/// <c>PermitLimit</c> requests were admitted in the last <c>Window</c>. Exact in every window (unlike a fixed window or
/// a GCRA, which lets a burst plus the refill through within one window), and <c>Retry-After</c> is the moment the
/// oldest counted request leaves the window. The Redis store runs the very same logic in one Lua script.
/// </summary>
internal static class SlidingWindow
{
    public static void Prune(List<(double At, string Id)> log, RateLimitRule rule, double nowMs)
    {
        var cutoff = nowMs - rule.Window.TotalMilliseconds;
        var expired = 0;
        while (expired < log.Count && log[expired].At <= cutoff)
        {
            expired++;
        }

        log.RemoveRange(0, expired);
    }

    public static RateLimitState State(RateLimitRule rule, List<(double At, string Id)> log, double nowMs) =>
        new(Math.Max(rule.PermitLimit - log.Count, 0),
            log.Count == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Max(0, log[0].At + rule.Window.TotalMilliseconds - nowMs)));
}
