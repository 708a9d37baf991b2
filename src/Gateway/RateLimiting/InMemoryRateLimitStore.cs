namespace Genlook.Gateway.RateLimiting;

/// <summary>
/// Sliding-window logs in process memory: the store of the embedded (Redis-less) mode, and the per-instance fallback
/// while Redis is down. A log is dropped once out of its window, so memory tracks recently active users only.
/// </summary>
internal sealed class InMemoryRateLimitStore(TimeProvider time) : IRateLimitStore
{
    private readonly Dictionary<string, Log> _logs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> _holds = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private double _nextSweep;

    /// <summary>Logs held (tests).</summary>
    internal int LogCount
    {
        get
        {
            lock (_lock)
            {
                return _logs.Count;
            }
        }
    }

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

                log.WindowMs = rule.Window.TotalMilliseconds;
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

    public Task HoldAsync(string holdKey, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var until = NowMs + duration.TotalMilliseconds;
        lock (_lock)
        {
            _holds[holdKey] = Math.Max(_holds.GetValueOrDefault(holdKey), until);
        }

        return Task.CompletedTask;
    }

    /// <summary>Once a minute (a sweep walks every log, under the lock: on a clock, its cost does not grow with traffic).</summary>
    private void SweepIfDue(double now)
    {
        if (now < _nextSweep)
        {
            return;
        }

        _nextSweep = now + TimeSpan.FromMinutes(1).TotalMilliseconds;

        // A log whose newest admission has left its window counts nothing any more.
        foreach (var (key, _) in _logs.Where(e => e.Value.Count == 0 || e.Value[^1].At <= now - e.Value.WindowMs).ToList())
        {
            _logs.Remove(key);
        }

        foreach (var (key, _) in _holds.Where(e => e.Value <= now).ToList())
        {
            _holds.Remove(key);
        }
    }

    /// <summary>A rule's admissions (oldest first) and the window they were last counted in.</summary>
    private sealed class Log : List<(double At, string Id)>
    {
        public double WindowMs { get; set; }
    }
}
