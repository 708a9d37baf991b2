using System.Collections.Concurrent;

namespace Genlook.Gateway.RateLimiting;

/// <summary>
/// Sliding-window logs in process memory: the store of the embedded (Redis-less) mode, and the per-instance fallback
/// while Redis is down. A log is dropped once out of its window, so memory tracks recently active users only.
/// <para>
/// As a fallback it does not start from zero: it remembers, per key, the count Redis reported at this instance's last
/// shared decision (<see cref="Observe"/>), for one window, and grants this instance only its share of what is left,
/// <c>ceil((limit - known) / liveInstances)</c> (<see cref="AcquireShare"/>); docs/rate-limits.md gives the bound.
/// </para>
/// </summary>
internal sealed class InMemoryRateLimitStore(TimeProvider time) : IRateLimitStore
{
    private readonly Dictionary<string, Log> _logs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> _holds = new(StringComparer.Ordinal);

    // Written on every shared decision, so without a lock (the logs' lock, or a dictionary write's stripe lock, would
    // serialise the hot path): a known key's entry is a reference swap; only a new key takes the dictionary's lock.
    private readonly ConcurrentDictionary<string, Known> _known = new(StringComparer.Ordinal);
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

    /// <summary>Keys whose shared count is remembered (tests).</summary>
    internal int KnownCount => _known.Count;

    private double NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The whole limit, from this instance's own logs (embedded mode).</summary>
    public Task<RateLimitDecision> AcquireAsync(RateLimitRequest request, CancellationToken cancellationToken = default) =>
        Task.FromResult(Acquire(request, liveInstances: 0));

    /// <summary>
    /// The fallback: per rule, this instance's share of what Redis had not yet admitted when it last heard,
    /// <c>ceil((limit - known) / liveInstances)</c>, against its own admissions in the window.
    /// </summary>
    public RateLimitDecision AcquireShare(RateLimitRequest request, int liveInstances) => Acquire(request, Math.Max(1, liveInstances));

    /// <summary>Remembers what Redis reported for each rule of a shared decision, for one window (no lock, no Redis).</summary>
    public void Observe(RateLimitRequest request, RateLimitDecision decision)
    {
        var now = NowMs;
        for (var i = 0; i < request.Rules.Count && i < decision.States.Count; i++)
        {
            var rule = request.Rules[i];
            var spent = rule.PermitLimit - decision.States[i].Remaining;
            if (spent > 0)
            {
                // Counted as if all admitted now: they leave the window no later than that (over-counts, never under).
                var latest = new KnownSpent(spent, now + rule.Window.TotalMilliseconds);
                if (_known.TryGetValue(rule.Key, out var known))
                {
                    known.Latest = latest;
                }
                else
                {
                    _known.TryAdd(rule.Key, new Known { Latest = latest });
                }
            }
        }
    }

    /// <summary>Drops remembered counts whose window has passed (off the hot path: the heartbeat calls it).</summary>
    public void SweepKnown()
    {
        var now = NowMs;
        foreach (var (key, known) in _known)
        {
            if (known.Latest.UntilMs <= now && _known.TryRemove(new KeyValuePair<string, Known>(key, known)) && known.Latest.UntilMs > now)
            {
                // A decision wrote to it meanwhile: keep what it heard.
                _known.TryAdd(key, known);
            }
        }
    }

    /// <summary>Decides <paramref name="request"/>; <paramref name="liveInstances"/> 0: the whole limit, nothing known; else the share of the rest.</summary>
    private RateLimitDecision Acquire(RateLimitRequest request, int liveInstances)
    {
        var now = NowMs;
        var rules = request.Rules;
        lock (_lock)
        {
            var logs = new Log[rules.Count];
            var allowances = new int[rules.Count];
            var knownUntil = new double[rules.Count];
            double retryMs = 0;
            for (var i = 0; i < rules.Count; i++)
            {
                var rule = rules[i];
                if (!_logs.TryGetValue(rule.Key, out var log))
                {
                    log = [];
                    _logs[rule.Key] = log;
                }

                log.WindowMs = rule.Window.TotalMilliseconds;
                SlidingWindow.Prune(log, rule, now);
                logs[i] = log;
                var known = 0;
                if (liveInstances > 0 && _known.TryGetValue(rule.Key, out var heard) && heard.Latest is { } spent && spent.UntilMs > now)
                {
                    known = spent.Count;
                    knownUntil[i] = spent.UntilMs;
                }

                allowances[i] = liveInstances == 0 ? rule.PermitLimit : (Math.Max(0, rule.PermitLimit - known) + liveInstances - 1) / liveInstances;
                if (log.Count >= allowances[i])
                {
                    // Frees up when enough of this instance's admissions leave the window, or when the known count
                    // expires (the share then grows), whichever comes first.
                    var byOwn = allowances[i] > 0 ? log[log.Count - allowances[i]].At + log.WindowMs - now : double.MaxValue;
                    var byKnown = knownUntil[i] > 0 ? knownUntil[i] - now : double.MaxValue;
                    retryMs = Math.Max(retryMs, Math.Min(byOwn, byKnown));
                }
            }

            var decision = new RateLimitDecision(retryMs <= 0, TimeSpan.FromMilliseconds(Math.Ceiling(retryMs)), []);
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

            var states = new RateLimitState[rules.Count];
            for (var i = 0; i < states.Length; i++)
            {
                var own = SlidingWindow.State(rules[i] with { PermitLimit = allowances[i] }, logs[i], now);
                states[i] = knownUntil[i] > now ? own with { ResetAfter = TimeSpan.FromMilliseconds(Math.Max(own.ResetAfter.TotalMilliseconds, knownUntil[i] - now)) } : own;
            }

            SweepIfDue(now);
            return decision with { States = states };
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

    /// <summary>How long <paramref name="holdKey"/> still holds try-ons back on this instance (ms, 0: not held).</summary>
    public long HoldRemainingMs(string holdKey)
    {
        lock (_lock)
        {
            return _holds.TryGetValue(holdKey, out var until) ? Math.Max(0, (long)Math.Ceiling(until - NowMs)) : 0;
        }
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

    /// <summary>What Redis reported spent for a key at this instance's last shared decision, and until when it counts.</summary>
    private sealed record KnownSpent(int Count, double UntilMs);

    /// <summary>A key's entry: the latest report, swapped as a whole (a reference write is atomic).</summary>
    private sealed class Known
    {
        private KnownSpent _latest = null!;

        public KnownSpent Latest
        {
            get => Volatile.Read(ref _latest);
            set => Volatile.Write(ref _latest, value);
        }
    }
}
