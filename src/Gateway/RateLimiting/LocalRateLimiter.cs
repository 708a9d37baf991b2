using System.Collections.Concurrent;
using StackExchange.Redis;

namespace Genlook.Gateway.RateLimiting;

/// <summary>
/// The <c>local</c> mode (CONTRACT §6): decides in-process, never awaiting Redis on the request path, and every
/// <c>RateLimiting:SyncInterval</c> (<see cref="SyncOnceAsync"/>, one background loop) pushes what this instance
/// admitted since the last sync for every key it touched and reads back the cluster-wide counts, in one round trip.
/// <para>
/// Rule, per key: admit while <c>K + P &lt; L</c>, K being the cluster-wide count read at this instance's last sync
/// (less what has left the window since, when the read came with its buckets; 0 once the read is a window old) and P this instance's admissions
/// not yet folded into K (pending and in flight). Counts live in Redis in a hash per key with one field per 1/60 of the
/// window (<see cref="BucketsPerWindow"/>); a read counts every bucket that overlaps the window, so it never counts
/// less than the true window holds. A key that a read shows newly at its limit is announced on a stream that every
/// instance's sync reads, so all of them hold it within one interval. docs/rate-limits.md states and the property
/// tests check the overshoot bound.
/// </para>
/// <para>
/// Redis down: decisions go on without it. Once no sync has succeeded for three intervals, an instance admits only its
/// share of what was left, <c>K + ceil((L - K) / N)</c> (N: live instances from <see cref="LiveInstances"/>), the same
/// rule as the exact mode's fallback; its admissions stay pending (for one window) and are pushed once Redis is back.
/// </para>
/// <para>
/// Bounded memory: a key with nothing pending and nothing counted in the window is dropped at the next sync; past
/// <see cref="MaxKeys"/> the least recently used idle keys go (a dropped key's next decision is made without K, like
/// a new key's, until its next sync).
/// </para>
/// </summary>
internal sealed class LocalRateLimiter
{
    public const int BucketsPerWindow = 60;

    /// <summary>Tracked keys kept after a sync; 10 000 active users take a fifth of it.</summary>
    public const int MaxKeys = 50_000;

    // Keys per script call: a larger sync is split so that no single call holds Redis for long.
    private const int MaxKeysPerCall = 500;

    // KEYS: the keys. ARGV[1]: now (ms); then per key: window ms, bucket ms, limit, n, then n pairs (bucket, admissions).
    // Returns per key: the count of every bucket overlapping the window; when the oldest of them leaves it (ms, 0: not
    // known); m, then m pairs (bucket, count): the buckets themselves when the count has reached the limit (so that
    // the instance sees the key free up bucket by bucket without another read), else none.
    // A key is a hash: one field per bucket, 'n' their total and 'f' the oldest bucket not yet expired, so a sync
    // touches the buckets that left the window since the last one and the ones it adds, not all sixty.
    internal const string SyncScript =
        """
        local now = tonumber(ARGV[1])
        local a = 2
        local result = {}
        for i = 1, #KEYS do
          local key = KEYS[i]
          local window = tonumber(ARGV[a])
          local width = tonumber(ARGV[a + 1])
          local limit = tonumber(ARGV[a + 2])
          local n = tonumber(ARGV[a + 3])
          a = a + 4
          local first = math.floor((now - window) / width)
          local state = redis.call('HMGET', key, 'n', 'f')
          local total = tonumber(state[1] or 0)
          local oldest = tonumber(state[2] or first)
          local changed = false
          if oldest < first then
            if first - oldest > 2 * math.ceil(window / width) + 2 then
              redis.call('DEL', key)
              total = 0
            else
              local gone = {}
              for b = oldest, first - 1 do gone[#gone + 1] = b end
              local counts = redis.call('HMGET', key, unpack(gone))
              for j = 1, #gone do total = total - tonumber(counts[j] or 0) end
              redis.call('HDEL', key, unpack(gone))
            end
            oldest = first
            changed = true
          end
          for j = 1, n do
            if tonumber(ARGV[a]) >= first then
              redis.call('HINCRBY', key, ARGV[a], ARGV[a + 1])
              total = total + tonumber(ARGV[a + 1])
              changed = true
            end
            a = a + 2
          end
          if changed then
            if total > 0 then
              redis.call('HSET', key, 'n', total, 'f', oldest)
            else
              redis.call('DEL', key)
            end
          end
          if n > 0 and total > 0 then redis.call('PEXPIRE', key, window + width) end
          result[#result + 1] = total
          if total >= limit then
            local live = {}
            local min = nil
            local fields = redis.call('HGETALL', key)
            for j = 1, #fields, 2 do
              local b = tonumber(fields[j])
              if b then
                live[#live + 1] = b
                live[#live + 1] = tonumber(fields[j + 1])
                if not min or b < min then min = b end
              end
            end
            result[#result + 1] = min and ((min + 1) * width + window) or 0
            result[#result + 1] = #live / 2
            for j = 1, #live do result[#result + 1] = live[j] end
          else
            result[#result + 1] = 0
            result[#result + 1] = 0
          end
        end
        return result
        """;

    /// <summary>The stream on which instances announce keys that reached their limit (read by every instance's sync).</summary>
    internal const string FullKeysStream = Storage.StoreKeys.Prefix + "ratelimit:full";

    // KEYS[1]: the stream. ARGV[1]: the last id read ('' at first: answer the newest id only); then, per key this
    // instance just saw reach its limit: key, limit, window ms. Returns the newest id, then (key, limit, window ms) per
    // key announced by anyone since ARGV[1]. The stream keeps about 10 000 announcements: only more keys than that
    // reaching their limit within one interval could be missed (those are then learnt at their next touch).
    internal const string AnnounceScript =
        """
        for i = 2, #ARGV, 3 do
          redis.call('XADD', KEYS[1], 'MAXLEN', '~', 10000, '*', 'k', ARGV[i], 'l', ARGV[i + 1], 'w', ARGV[i + 2])
        end
        local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
        local last = '0-0'
        if #newest > 0 then last = newest[1][1] end
        local result = { last }
        if ARGV[1] == '' then return result end
        local entries = redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+', 'COUNT', 10000)
        for _, entry in ipairs(entries) do
          result[#result + 1] = entry[2][2]
          result[#result + 1] = entry[2][4]
          result[#result + 1] = entry[2][6]
        end
        return result
        """;

    private readonly ConcurrentDictionary<string, LocalKey> _keys = new(StringComparer.Ordinal);
    private readonly IConnectionMultiplexer _redis;
    private readonly TimeProvider _time;
    private readonly long _syncMs;
    private readonly TimeSpan _syncTimeout;
    private readonly Func<int> _liveInstances;
    private readonly InMemoryRateLimitStore _holds;
    private readonly LocalRateLimitMetrics? _metrics;
    private int _count;
    private long _lastSyncOkMs;
    private string _lastAnnouncement = string.Empty;

    /// <param name="redis">The connection.</param>
    /// <param name="time">The clock of decisions and of the buckets (virtual in tests).</param>
    /// <param name="syncInterval">How often <see cref="SyncOnceAsync"/> runs.</param>
    /// <param name="syncTimeout">How long a sync may take before it counts as failed.</param>
    /// <param name="liveInstances">The live instance count (the share rule while Redis is unreachable).</param>
    /// <param name="holds">The account holds this instance knows (Genlook's 429 on a try-on).</param>
    /// <param name="metrics">Sync and key-count instruments; none in tests of the limiter alone.</param>
    public LocalRateLimiter(
        IConnectionMultiplexer redis, TimeProvider time, TimeSpan syncInterval, TimeSpan syncTimeout, Func<int> liveInstances,
        InMemoryRateLimitStore holds, LocalRateLimitMetrics? metrics = null)
    {
        _redis = redis;
        _time = time;
        _syncMs = Math.Max(1, (long)syncInterval.TotalMilliseconds);
        _syncTimeout = syncTimeout;
        _liveInstances = liveInstances;
        _holds = holds;
        _metrics = metrics;
        _lastSyncOkMs = NowMs;
        if (metrics is not null)
        {
            metrics.TrackedKeys = () => Volatile.Read(ref _count);
        }
    }

    /// <summary>Keys tracked (tests, the gauge).</summary>
    public int KeyCount => Volatile.Read(ref _count);

    /// <summary>True while the last successful sync is at most three intervals old.</summary>
    public bool Online => NowMs - Interlocked.Read(ref _lastSyncOkMs) <= 3 * _syncMs;

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>What this instance last read for <paramref name="key"/> (tests); null when untracked.</summary>
    internal int? KnownCount(string key)
    {
        if (!_keys.TryGetValue(key, out var entry))
        {
            return null;
        }

        lock (entry)
        {
            return entry.Known;
        }
    }

    /// <summary>Decides one request against all its rules (all or none) from memory only.</summary>
    public RateLimitDecision Decide(RateLimitRequest request)
    {
        var rules = request.Rules;
        var now = NowMs;
        var share = Online ? 0 : Math.Max(1, _liveInstances());
        var entries = new LocalKey[rules.Count];
        while (true)
        {
            for (var i = 0; i < rules.Count; i++)
            {
                entries[i] = Track(rules[i], now);
            }

            // A try-on's two keys: locked in one order everywhere, so two decisions never wait on each other.
            var first = entries[0];
            var second = entries.Length == 2 ? entries[1] : null;
            if (second is not null && string.CompareOrdinal(first.Key, second.Key) > 0)
            {
                (first, second) = (second, first);
            }

            lock (first)
            {
                lock (second ?? first)
                {
                    if (TryDecide(request, entries, now, share, out var decision))
                    {
                        return decision;
                    }
                }
            }

            // A key was dropped by a sweep between lookup and lock: look it up again (a fresh entry).
        }
    }

    /// <summary>Under the entries' locks: false when one was dropped meanwhile.</summary>
    private bool TryDecide(RateLimitRequest request, LocalKey[] entries, long now, int share, out RateLimitDecision decision)
    {
        decision = null!;
        foreach (var entry in entries)
        {
            if (entry.Removed)
            {
                return false;
            }
        }

        var rules = request.Rules;
        Span<int> used = stackalloc int[entries.Length];
        long retryMs = 0;
        for (var i = 0; i < entries.Length; i++)
        {
            var entry = entries[i];
            entry.Touched = true;
            entry.LastUsedMs = now;
            var known = entry.KnownAt(now);
            used[i] = known + entry.Pending(now);
            var allowance = share == 0 ? rules[i].PermitLimit : known + (Math.Max(0, rules[i].PermitLimit - known) + share - 1) / share;
            if (used[i] >= allowance)
            {
                retryMs = Math.Max(retryMs, Math.Max(_syncMs, entry.FreesAtMs(now) - now));
            }
        }

        if (request.HoldKey is { } holdKey)
        {
            retryMs = Math.Max(retryMs, _holds.HoldRemainingMs(holdKey));
        }

        var allowed = retryMs <= 0;
        var states = new RateLimitState[entries.Length];
        for (var i = 0; i < entries.Length; i++)
        {
            if (allowed)
            {
                entries[i].Admit(now);
            }

            var spent = used[i] + (allowed ? 1 : 0);
            states[i] = new RateLimitState(Math.Clamp(rules[i].PermitLimit - spent, 0, rules[i].PermitLimit),
                TimeSpan.FromMilliseconds(spent == 0 ? 0 : Math.Max(0, entries[i].FreesAtMs(now) - now)));
        }

        decision = new RateLimitDecision(allowed, TimeSpan.FromMilliseconds(retryMs), states);
        return true;
    }

    private LocalKey Track(RateLimitRule rule, long now)
    {
        if (_keys.TryGetValue(rule.Key, out var entry))
        {
            return entry;
        }

        var windowMs = (long)rule.Window.TotalMilliseconds;
        var created = new LocalKey(rule.Key, windowMs, Math.Max(1, (windowMs + BucketsPerWindow - 1) / BucketsPerWindow), rule.PermitLimit) { LastUsedMs = now };
        entry = _keys.GetOrAdd(rule.Key, created);
        if (ReferenceEquals(entry, created) && Interlocked.Increment(ref _count) > 2 * MaxKeys)
        {
            // Far past the cap between two syncs (the sync trims to MaxKeys): make room at once.
            EvictIdle(Volatile.Read(ref _count) - 2 * MaxKeys, now);
        }

        return entry;
    }

    /// <summary>
    /// One sync: every key touched since the last one (or with admissions not yet pushed) sends its new admissions
    /// per bucket and gets the cluster-wide count back; one script call per <see cref="MaxKeysPerCall"/> keys (per
    /// hash slot in Redis Cluster), all sent at once. Then drops idle keys. True when Redis answered.
    /// </summary>
    public async Task<bool> SyncOnceAsync(CancellationToken cancellationToken = default)
    {
        var now = NowMs;
        var batch = new List<(LocalKey Entry, List<(long Bucket, int Count)> Sent)>();
        foreach (var (_, entry) in _keys)
        {
            lock (entry)
            {
                if (!entry.Removed && entry.TakeForSync(now) is { } sent)
                {
                    batch.Add((entry, sent));
                }
            }
        }

        var full = new List<RateLimitRule>();
        var ok = batch.Count == 0 || await SendAsync(batch, now, full, cancellationToken);
        ok &= await AnnounceAsync(full, now, cancellationToken);

        if (ok)
        {
            Interlocked.Exchange(ref _lastSyncOkMs, now);
        }

        _metrics?.Synced(ok);
        Sweep(now);
        return ok;
    }

    /// <summary>
    /// Tells the other instances which keys this sync saw reach their limit, and holds every key that someone else
    /// announced at its limit until this instance's next sync reads it: so a client over the limit is held on every
    /// instance within one interval, also where it has not been seen lately. Also the liveness probe of a sync.
    /// </summary>
    private async Task<bool> AnnounceAsync(List<RateLimitRule> full, long now, CancellationToken cancellationToken)
    {
        try
        {
            if (!_redis.IsConnected)
            {
                throw new RedisDisconnectedException();
            }

            var args = new RedisValue[1 + 3 * full.Count];
            args[0] = _lastAnnouncement;
            for (var i = 0; i < full.Count; i++)
            {
                args[1 + 3 * i] = full[i].Key;
                args[2 + 3 * i] = full[i].PermitLimit;
                args[3 + 3 * i] = (long)full[i].Window.TotalMilliseconds;
            }

            var result = (RedisResult[])(await _redis.GetDatabase().ScriptEvaluateAsync(AnnounceScript, [FullKeysStream], args)
                .WaitAsync(_syncTimeout, cancellationToken))!;
            _lastAnnouncement = (string)result[0]!;
            var mine = full.Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
            for (var i = 1; i + 2 < result.Length; i += 3)
            {
                var key = (string)result[i]!;
                if (mine.Contains(key))
                {
                    continue;
                }

                // Tracked from now on, also where this instance has not seen the client yet.
                var entry = Track(new RateLimitRule(string.Empty, key, (int)result[i + 1], TimeSpan.FromMilliseconds((long)result[i + 2])), now);
                lock (entry)
                {
                    if (!entry.Removed)
                    {
                        entry.HeldByAnnouncement(now);
                    }
                }
            }

            return true;
        }
        catch (Exception ex) when (RateLimitCircuit.IsRedisFailure(ex) || ex is RedisException or TimeoutException)
        {
            return false;
        }
    }

    private async Task<bool> SendAsync(List<(LocalKey Entry, List<(long Bucket, int Count)> Sent)> batch, long now, List<RateLimitRule> full, CancellationToken cancellationToken)
    {
        var calls = new List<(List<(LocalKey Entry, List<(long Bucket, int Count)> Sent)> Part, Task<RedisResult> Call)>();
        try
        {
            if (!_redis.IsConnected)
            {
                throw new RedisDisconnectedException();
            }

            var db = _redis.GetDatabase();
            var clustered = _redis.GetServers().Any(s => s.ServerType == ServerType.Cluster);
            var groups = clustered ? batch.GroupBy(b => _redis.HashSlot(b.Entry.Key)).Select(g => g.ToList()) : [batch];
            foreach (var group in groups)
            {
                foreach (var part in group.Chunk(MaxKeysPerCall))
                {
                    var keys = new RedisKey[part.Length];
                    var args = new List<RedisValue>(1 + 4 * part.Length) { now };
                    for (var i = 0; i < part.Length; i++)
                    {
                        var (entry, sent) = part[i];
                        keys[i] = entry.Key;
                        args.Add(entry.WindowMs);
                        args.Add(entry.BucketMs);
                        args.Add(entry.Limit);
                        args.Add(sent.Count);
                        foreach (var (bucket, count) in sent)
                        {
                            args.Add(bucket);
                            args.Add(count);
                        }
                    }

                    calls.Add((part.ToList(), db.ScriptEvaluateAsync(SyncScript, keys, [.. args])));
                }
            }

            await Task.WhenAll(calls.Select(c => c.Call)).WaitAsync(_syncTimeout, cancellationToken);
        }
        catch (Exception ex) when (RateLimitCircuit.IsRedisFailure(ex) || ex is RedisException or TimeoutException)
        {
            // Below: what did not come back is pushed again next time (counting it twice if it did run: safe side).
        }

        var ok = calls.Count > 0;
        var answered = new HashSet<LocalKey>(ReferenceEqualityComparer.Instance);
        foreach (var (part, call) in calls)
        {
            if (!call.IsCompletedSuccessfully)
            {
                ok = false;
                continue;
            }

            var values = (RedisResult[])call.Result!;
            var v = 0;
            for (var i = 0; i < part.Count; i++)
            {
                var entry = part[i].Entry;
                var count = (int)values[v];
                var freesAt = (long)values[v + 1];
                var detailed = (int)values[v + 2];
                List<(long Bucket, int Count)>? buckets = null;
                if (detailed > 0)
                {
                    buckets = new List<(long Bucket, int Count)>(detailed);
                    for (var j = 0; j < detailed; j++)
                    {
                        buckets.Add(((long)values[v + 3 + 2 * j], (int)values[v + 4 + 2 * j]));
                    }

                    buckets.Sort();
                }

                v += 3 + 2 * detailed;
                lock (entry)
                {
                    if (entry.Synced(count, freesAt, buckets, now))
                    {
                        full.Add(new RateLimitRule(string.Empty, entry.Key, entry.Limit, TimeSpan.FromMilliseconds(entry.WindowMs)));
                    }
                }

                answered.Add(entry);
            }
        }

        foreach (var (entry, _) in batch)
        {
            if (!answered.Contains(entry))
            {
                lock (entry)
                {
                    entry.SyncFailed();
                }
            }
        }

        return ok;
    }

    /// <summary>Drops keys that count nothing any more; then, past the cap, the least recently used idle ones.</summary>
    private void Sweep(long now)
    {
        foreach (var (key, entry) in _keys)
        {
            lock (entry)
            {
                if (!entry.Idle(now) || entry.KnownAt(now) > 0 || entry.Pending(now) > 0)
                {
                    continue;
                }

                entry.Removed = true;
            }

            _keys.TryRemove(new KeyValuePair<string, LocalKey>(key, entry));
            Interlocked.Decrement(ref _count);
        }

        var over = Volatile.Read(ref _count) - MaxKeys;
        if (over > 0)
        {
            EvictIdle(over, now);
        }
    }

    private void EvictIdle(int howMany, long now)
    {
        var evicted = 0;
        foreach (var (key, entry) in _keys.OrderBy(e => e.Value.LastUsedMs).Take(howMany * 2))
        {
            lock (entry)
            {
                if (!entry.Idle(now))
                {
                    continue;
                }

                entry.Removed = true;
            }

            _keys.TryRemove(new KeyValuePair<string, LocalKey>(key, entry));
            Interlocked.Decrement(ref _count);
            if (++evicted == howMany)
            {
                break;
            }
        }

        if (evicted > 0)
        {
            _metrics?.Evicted(evicted);
        }
    }

    /// <summary>One key's state; every member is read and written under a lock on the instance.</summary>
    private sealed class LocalKey(string key, long windowMs, long bucketMs, int limit)
    {
        // Admissions not yet sent, and sent but not yet answered, per bucket (oldest first; a few entries at most).
        private readonly List<(long Bucket, int Count)> _pending = [];
        private List<(long Bucket, int Count)> _inFlight = [];
        private int _known;
        private long _knownAtMs = long.MinValue;
        private long _knownFreesAtMs;

        // The read's buckets when it had reached the limit (oldest first), so that K falls as they leave the window.
        private List<(long Bucket, int Count)>? _knownBuckets;

        public string Key { get; } = key;

        public int Limit { get; } = limit;

        public long WindowMs { get; } = windowMs;

        public long BucketMs { get; } = bucketMs;

        public bool Touched { get; set; }

        public bool Removed { get; set; }

        public long LastUsedMs { get; set; }

        public int Known => _known;

        /// <summary>K: the last cluster-wide count, less what has left the window since (all of it once the read is a window old).</summary>
        public int KnownAt(long now)
        {
            if (now - _knownAtMs >= WindowMs)
            {
                return 0;
            }

            if (_knownBuckets is null)
            {
                return _known;
            }

            var first = FirstBucket(now);
            var sum = 0;
            foreach (var (bucket, count) in _knownBuckets)
            {
                sum += bucket >= first ? count : 0;
            }

            return sum;
        }

        /// <summary>P: this instance's admissions not yet folded into K, within the window.</summary>
        public int Pending(long now)
        {
            var first = FirstBucket(now);
            var sum = 0;
            foreach (var (bucket, count) in _pending)
            {
                sum += bucket >= first ? count : 0;
            }

            foreach (var (bucket, count) in _inFlight)
            {
                sum += bucket >= first ? count : 0;
            }

            return sum;
        }

        /// <summary>The earliest moment part of what is counted leaves the window.</summary>
        public long FreesAtMs(long now)
        {
            var at = long.MaxValue;
            if (KnownAt(now) > 0)
            {
                at = _knownFreesAtMs > 0 ? _knownFreesAtMs : long.MaxValue;
                if (_knownBuckets is not null)
                {
                    var first = FirstBucket(now);
                    foreach (var (bucket, _) in _knownBuckets)
                    {
                        if (bucket >= first)
                        {
                            at = (bucket + 1) * BucketMs + WindowMs;
                            break;
                        }
                    }
                }
            }

            if (_inFlight.Count > 0)
            {
                at = Math.Min(at, (_inFlight[0].Bucket + 1) * BucketMs + WindowMs);
            }

            if (_pending.Count > 0)
            {
                at = Math.Min(at, (_pending[0].Bucket + 1) * BucketMs + WindowMs);
            }

            return at == long.MaxValue ? now + WindowMs : at;
        }

        public void Admit(long now)
        {
            var bucket = now / BucketMs;
            if (_pending.Count > 0 && _pending[^1].Bucket == bucket)
            {
                _pending[^1] = (bucket, _pending[^1].Count + 1);
            }
            else
            {
                _pending.Add((bucket, 1));
            }
        }

        /// <summary>Moves the pending admissions in flight; null when there is nothing to send or read for this key.</summary>
        public List<(long Bucket, int Count)>? TakeForSync(long now)
        {
            var first = FirstBucket(now);
            _pending.RemoveAll(p => p.Bucket < first);
            if (!Touched && _pending.Count == 0)
            {
                return null;
            }

            Touched = false;
            var sent = new List<(long Bucket, int Count)>(_pending);
            _inFlight.AddRange(_pending);
            _pending.Clear();
            return sent;
        }

        /// <summary>Folds a read in; true when it shows the key newly at its limit (to announce).</summary>
        public bool Synced(int count, long freesAtMs, List<(long Bucket, int Count)>? buckets, long readAtMs)
        {
            var reached = count >= Limit && KnownAt(readAtMs) < Limit;
            _known = count;
            _knownBuckets = buckets;
            _knownAtMs = readAtMs;
            _knownFreesAtMs = freesAtMs;
            _inFlight.Clear();
            return reached;
        }

        /// <summary>Another instance saw this key reach its limit: held at it until the next sync reads the real count.</summary>
        public void HeldByAnnouncement(long now)
        {
            if (KnownAt(now) >= Limit)
            {
                return;
            }

            _known = Limit;
            _knownBuckets = null;
            _knownAtMs = now;
            _knownFreesAtMs = 0;
            Touched = true;
        }

        /// <summary>Not answered: the in-flight admissions go back to pending, ahead of the newer ones.</summary>
        public void SyncFailed()
        {
            if (_inFlight.Count == 0)
            {
                return;
            }

            _inFlight.AddRange(_pending);
            _pending.Clear();
            _pending.AddRange(_inFlight);
            _inFlight = [];
        }

        /// <summary>Nothing to push, nothing in flight, and not used since the last sync.</summary>
        public bool Idle(long now) => !Touched && _pending.Count == 0 && _inFlight.Count == 0;

        private long FirstBucket(long now) => (long)Math.Floor((double)(now - WindowMs) / BucketMs);
    }
}
