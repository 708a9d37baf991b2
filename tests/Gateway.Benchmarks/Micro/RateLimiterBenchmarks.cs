using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Genlook.Gateway.RateLimiting;
using StackExchange.Redis;

namespace Genlook.Gateway.Benchmarks.Micro;

/// <summary>The limiter's one round trip (user + account + hold, one Lua script) against a real redis-server, next to a PING.</summary>
[MemoryDiagnoser]
public class RateLimiterBenchmarks
{
    private Process? _redis;
    private ConnectionMultiplexer _connection = null!;
    private RedisRateLimitStore _store = null!;
    private RateLimitRequest _tryOn = null!;
    private RateLimitRequest _read = null!;

    [GlobalSetup]
    public void Setup()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        _redis = Process.Start(new ProcessStartInfo("redis-server", $"--port {port} --bind 127.0.0.1 --save \"\" --appendonly no") { RedirectStandardOutput = true })
                 ?? throw new InvalidOperationException("redis-server did not start (apt-get install redis-server).");
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                _connection = ConnectionMultiplexer.Connect($"127.0.0.1:{port}");
                break;
            }
            catch (RedisConnectionException) when (attempt < 50)
            {
                Thread.Sleep(100);
            }
        }

        _store = new RedisRateLimitStore(_connection, TimeSpan.FromSeconds(1));
        // Limits high enough never to reject, short windows so the logs stay small, as in production traffic.
        _tryOn = new RateLimitRequest(
            [new RateLimitRule("tryon", "{a:bench}:rl:tryon:user", 1_000_000, TimeSpan.FromSeconds(1)), new RateLimitRule("account", "{a:bench}:rl:account", 1_000_000, TimeSpan.FromSeconds(1))],
            "{a:bench}:hold");
        _read = new RateLimitRequest([new RateLimitRule("reads", "{u:bench}:rl:reads", 1_000_000, TimeSpan.FromSeconds(1))], null);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _connection.Dispose();
        _redis?.Kill();
        _redis?.WaitForExit(5000);
    }

    [Benchmark(Baseline = true)]
    public Task<TimeSpan> Ping() => _connection.GetDatabase().PingAsync();

    [Benchmark]
    public Task<RateLimitDecision> ReadLimit() => _store.AcquireAsync(_read);

    [Benchmark]
    public Task<RateLimitDecision> TryOnLimitWithAccountAndHold() => _store.AcquireAsync(_tryOn);
}
