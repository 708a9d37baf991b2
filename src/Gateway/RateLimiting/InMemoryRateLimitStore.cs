namespace Genlook.Gateway.RateLimiting;

/// <summary>
/// GCRA in process memory: the store of the embedded (Redis-less) mode, and the per-instance fallback while Redis is
/// down. Entries vanish once their TAT has passed (a full budget needs no record), so memory tracks active users only.
/// </summary>
internal sealed class InMemoryRateLimitStore(TimeProvider time) : IRateLimitStore
{
    private readonly Dictionary<string, double> _tats = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> _holds = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private long _operations;

    private double NowMs => time.GetUtcNow().ToUnixTimeMilliseconds() + (time.GetUtcNow().Ticks % TimeSpan.TicksPerMillisecond) / (double)TimeSpan.TicksPerMillisecond;

    public Task<RateLimitDecision> AcquireAsync(RateLimitRequest request, CancellationToken cancellationToken = default)
    {
        var now = NowMs;
        lock (_lock)
        {
            if (request.HoldKey is { } holdKey && _holds.TryGetValue(holdKey, out var holdUntil) && holdUntil > now)
            {
                var states = request.Rules.Select(r => Gcra.State(r, _tats.GetValueOrDefault(r.Key, now), now)).ToArray();
                return Task.FromResult(new RateLimitDecision(false, TimeSpan.FromMilliseconds(holdUntil - now), states));
            }

            var tats = request.Rules.Select(r => _tats.TryGetValue(r.Key, out var tat) ? tat : (double?)null).ToArray();
            var decision = Gcra.Decide(request.Rules, tats, now, out var newTats);
            if (decision.Allowed)
            {
                for (var i = 0; i < request.Rules.Count; i++)
                {
                    _tats[request.Rules[i].Key] = newTats[i];
                }
            }

            SweepIfDue(now);
            return Task.FromResult(decision);
        }
    }

    public Task RefundAsync(RateLimitRequest request, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            foreach (var rule in request.Rules)
            {
                if (_tats.TryGetValue(rule.Key, out var tat))
                {
                    _tats[rule.Key] = tat - rule.EmissionIntervalMs;
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

    /// <summary>Forgets every key that <paramref name="match"/> selects (GDPR erase of a user's counters).</summary>
    public void Forget(Func<string, bool> match)
    {
        lock (_lock)
        {
            foreach (var key in _tats.Keys.Where(match).ToList())
            {
                _tats.Remove(key);
            }
        }
    }

    private void SweepIfDue(double now)
    {
        if (++_operations % 4096 != 0)
        {
            return;
        }

        foreach (var (key, tat) in _tats.Where(e => e.Value <= now).ToList())
        {
            _tats.Remove(key);
        }

        foreach (var (key, _) in _holds.Where(e => e.Value <= now).ToList())
        {
            _holds.Remove(key);
        }
    }
}
