namespace Genlook.Gateway.RateLimiting;

/// <summary>
/// Sliding-window logs in process memory: the store of the embedded (Redis-less) mode, and the per-instance fallback
/// while Redis is down. A log is dropped once empty, so memory tracks recently active users only.
/// </summary>
internal sealed class InMemoryRateLimitStore(TimeProvider time) : IRateLimitStore
{
    private readonly Dictionary<string, List<(double At, string Id)>> _logs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> _holds = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private long _operations;

    private double NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    public Task<RateLimitDecision> AcquireAsync(RateLimitRequest request, CancellationToken cancellationToken = default)
    {
        var now = NowMs;
        lock (_lock)
        {
            var logs = request.Rules.Select(rule =>
            {
                if (!_logs.TryGetValue(rule.Key, out var log))
                {
                    log = [];
                    _logs[rule.Key] = log;
                }

                SlidingWindow.Prune(log, rule, now);
                return log;
            }).ToList();

            var decision = SlidingWindow.Decide(request.Rules, logs, now);
            if (request.HoldKey is { } holdKey && _holds.TryGetValue(holdKey, out var holdUntil) && holdUntil - now > decision.RetryAfter.TotalMilliseconds)
            {
                decision = new RateLimitDecision(false, TimeSpan.FromMilliseconds(Math.Ceiling(holdUntil - now)), []);
            }

            if (decision.Allowed)
            {
                foreach (var log in logs)
                {
                    log.Add((now, request.AdmissionId));
                }
            }

            var states = request.Rules.Select((rule, i) => SlidingWindow.State(rule, logs[i], now)).ToArray();
            SweepIfDue(now);
            return Task.FromResult(decision with { States = states });
        }
    }

    public Task RefundAsync(RateLimitRequest request, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            foreach (var rule in request.Rules)
            {
                if (_logs.TryGetValue(rule.Key, out var log))
                {
                    log.RemoveAll(entry => entry.Id == request.AdmissionId);
                }
            }
        }

        return Task.CompletedTask;
    }

    public Task HoldAsync(string holdKey, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var until = NowMs + duration.TotalMilliseconds;
        lock (_lock)
        {
            _holds[holdKey] = Math.Max(_holds.GetValueOrDefault(holdKey), until);
        }

        return Task.CompletedTask;
    }

    /// <summary>Forgets every log that <paramref name="match"/> selects (GDPR erase of a user's counters).</summary>
    public void Forget(Func<string, bool> match)
    {
        lock (_lock)
        {
            foreach (var key in _logs.Keys.Where(match).ToList())
            {
                _logs.Remove(key);
            }
        }
    }

    private void SweepIfDue(double now)
    {
        if (++_operations % 4096 != 0)
        {
            return;
        }

        // Logs whose newest admission is older than a day are certainly outside any window.
        foreach (var (key, _) in _logs.Where(e => e.Value.Count == 0 || e.Value[^1].At < now - TimeSpan.FromDays(1).TotalMilliseconds).ToList())
        {
            _logs.Remove(key);
        }

        foreach (var (key, _) in _holds.Where(e => e.Value <= now).ToList())
        {
            _holds.Remove(key);
        }
    }
}
