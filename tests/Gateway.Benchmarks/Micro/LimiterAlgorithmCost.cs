using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Genlook.Gateway.RateLimiting;
using StackExchange.Redis;

namespace Genlook.Gateway.Benchmarks.Micro;

/// <summary>
/// redis-server CPU per try-on decision (user budget + the shared account budget + the hold), by algorithm, as Redis
/// itself reports it (INFO commandstats, usec of the script calls ÷ decisions): the sliding log the exact mode runs
/// today (its real script), a GCRA and a sliding-window counter written to the same batched shape, and the local
/// mode's sync script. Not a BenchmarkDotNet run: what is measured is the server's time, not the client's.
/// <code>dotnet tests/Gateway.Benchmarks/bin/Release/net10.0/Gateway.Benchmarks.dll limiter-cost [decisions]</code>
/// </summary>
public static class LimiterAlgorithmCost
{
    // Same ARGV shape as the sliding-log script: now, request count, then per request: rule count, held, id, then
    // (limit, window ms) per rule; KEYS: each request's rule keys then its hold key. Returns allowed per request.
    // GCRA: one value per key, its theoretical arrival time; a request fits if TAT - now <= window - window/limit.
    private const string GcraScript =
        """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
        local tats, order, holds, result = {}, {}, {}, {}
        local a, k = 3, 1
        for _ = 1, tonumber(ARGV[2]) do
          local n = tonumber(ARGV[a]); local held = ARGV[a + 1] == '1'; local base = a + 3
          a = base + 2 * n
          local ok = true
          local next = {}
          for i = 0, n - 1 do
            local key = KEYS[k + i]
            local limit = tonumber(ARGV[base + 2 * i]); local window = tonumber(ARGV[base + 2 * i + 1])
            local emission = window / limit
            local tat = tats[key]
            if tat == nil then
              tat = tonumber(redis.call('GET', key) or 0)
              order[#order + 1] = key
            end
            if tat < now then tat = now end
            if tat - now > window - emission then ok = false end
            next[i] = { key, tat + emission, window }
          end
          if held then
            local h = KEYS[k + n]
            if holds[h] == nil then holds[h] = redis.call('PTTL', h) end
            if holds[h] > 0 then ok = false end
          end
          if ok then for i = 0, n - 1 do tats[next[i][1]] = next[i][2]; tats[next[i][1] .. '#w'] = next[i][3] end end
          for i = 0, n - 1 do if tats[next[i][1]] == nil then tats[next[i][1]] = 0 end end
          result[#result + 1] = ok and 1 or 0
          k = k + n + (held and 1 or 0)
        end
        for _, key in ipairs(order) do
          local tat = tats[key]
          if tat and tat > 0 and tats[key .. '#w'] then redis.call('SET', key, tat, 'PX', math.ceil(tats[key .. '#w'])) end
        end
        return result
        """;

    // Sliding-window counter: per key a hash of two fixed-window counts; estimate = previous * (1 - elapsed share) + current.
    private const string CounterScript =
        """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local state, order, holds, result = {}, {}, {}, {}
        local a, k = 3, 1
        for _ = 1, tonumber(ARGV[2]) do
          local n = tonumber(ARGV[a]); local held = ARGV[a + 1] == '1'; local base = a + 3
          a = base + 2 * n
          local ok = true
          local rules = {}
          for i = 0, n - 1 do
            local key = KEYS[k + i]
            local limit = tonumber(ARGV[base + 2 * i]); local window = tonumber(ARGV[base + 2 * i + 1])
            local s = state[key]
            if s == nil then
              local cur = math.floor(now / window)
              local v = redis.call('HMGET', key, cur, cur - 1)
              s = { cur = cur, c = tonumber(v[1] or 0), p = tonumber(v[2] or 0), add = 0, window = window }
              state[key] = s
              order[#order + 1] = key
            end
            local elapsed = (now % window) / window
            if s.p * (1 - elapsed) + s.c + s.add >= limit then ok = false end
            rules[i] = s
          end
          if held then
            local h = KEYS[k + n]
            if holds[h] == nil then holds[h] = redis.call('PTTL', h) end
            if holds[h] > 0 then ok = false end
          end
          if ok then for i = 0, n - 1 do rules[i].add = rules[i].add + 1 end end
          result[#result + 1] = ok and 1 or 0
          k = k + n + (held and 1 or 0)
        end
        for _, key in ipairs(order) do
          local s = state[key]
          if s.add > 0 then
            redis.call('HINCRBY', key, s.cur, s.add)
            redis.call('PEXPIRE', key, 2 * s.window)
          end
        end
        return result
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var decisions = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 40_000;
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        using var redis = Process.Start(new ProcessStartInfo("redis-server", ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        {
            RedirectStandardOutput = true,
        })!;
        try
        {
            ConnectionMultiplexer? connection = null;
            for (var attempt = 0; connection is null && attempt < 50; attempt++)
            {
                try
                {
                    connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},allowAdmin=true,connectTimeout=500");
                }
                catch (RedisConnectionException)
                {
                    await Task.Delay(100);
                }
            }

            await using var redisConnection = connection ?? throw new InvalidOperationException("redis-server did not start");
            var server = redisConnection.GetServer(redisConnection.GetEndPoints()[0]);
            var db = redisConnection.GetDatabase();
            Console.WriteLine($"redis-server CPU per try-on decision (user + account + hold), {decisions} decisions, 200 users, one account; µs from INFO commandstats");
            Console.WriteLine("| algorithm | batch 1 | batch 16 |");
            Console.WriteLine("|---|---|---|");
            foreach (var (name, script) in new[] { ("sliding log (exact today)", RedisRateLimitStore.AcquireScript), ("GCRA", GcraScript), ("sliding-window counter", CounterScript) })
            {
                var cells = new List<string>();
                foreach (var batch in new[] { 1, 16 })
                {
                    await server.ExecuteAsync("FLUSHALL");
                    await server.ExecuteAsync("CONFIG", "RESETSTAT");
                    var sent = 0;
                    while (sent < decisions)
                    {
                        var (keys, values) = Encode(sent, batch);
                        await db.ScriptEvaluateAsync(script, keys, values);
                        sent += batch;
                    }

                    cells.Add((await ScriptUsecAsync(server) / sent).ToString("0.0", CultureInfo.InvariantCulture));
                }

                Console.WriteLine($"| {name} | {cells[0]} | {cells[1]} |");
            }

            // The local mode: one sync per interval for every key touched in it; here 16 keys per call, one admission each.
            await server.ExecuteAsync("FLUSHALL");
            await server.ExecuteAsync("CONFIG", "RESETSTAT");
            var synced = 0;
            while (synced < decisions)
            {
                var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                var keys = new RedisKey[16];
                var values = new List<RedisValue> { now };
                for (var i = 0; i < 16; i++)
                {
                    keys[i] = $"bench:local:{(synced + i) % 200}";
                    values.AddRange([60_000, 1_000, 1_000_000, 1, now / 1_000, 1]);
                }

                await db.ScriptEvaluateAsync(LocalRateLimiter.SyncScript, keys, [.. values]);
                synced += 16;
            }

            Console.WriteLine($"| local mode's sync, per key synced (16 keys per call) | | {(await ScriptUsecAsync(server) / synced).ToString("0.0", CultureInfo.InvariantCulture)} |");
            return 0;
        }
        finally
        {
            redis.Kill();
            await redis.WaitForExitAsync();
        }
    }

    /// <summary>A batch of try-ons from rotating users of one account: production's limits (10/min per user, 1000/hour for the account, scaled up so that most are admitted).</summary>
    private static (RedisKey[] Keys, RedisValue[] Args) Encode(int first, int batch)
    {
        var keys = new List<RedisKey>();
        var args = new List<RedisValue> { 0, batch };
        for (var r = 0; r < batch; r++)
        {
            var user = (first + r) % 200;
            args.AddRange([2, 1, $"id-{first + r}"]);
            keys.Add($"gw:{{a:bench}}:rl:tryon:user-{user}");
            args.AddRange([1_000_000, 60_000]);
            keys.Add("gw:{a:bench}:rl:account");
            args.AddRange([1_000_000, 2_000]); // a log of about two seconds of try-ons, as under load
            keys.Add("gw:{a:bench}:hold");
        }

        return ([.. keys], [.. args]);
    }

    private static async Task<double> ScriptUsecAsync(IServer server)
    {
        var stats = await server.InfoAsync("commandstats");
        double usec = 0;
        foreach (var pair in stats.SelectMany(g => g))
        {
            if (pair.Key is "cmdstat_evalsha" or "cmdstat_eval")
            {
                var field = pair.Value.Split(',').First(f => f.StartsWith("usec=", StringComparison.Ordinal));
                usec += double.Parse(field["usec=".Length..], CultureInfo.InvariantCulture);
            }
        }

        return usec;
    }
}
