using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Genlook.Gateway.Tests.Infrastructure;

/// <summary>
/// A real <c>redis-server</c> on a free loopback port, owned by the test run. Fails (never skips) when it cannot start.
/// Can be stopped and started again on the same port, to test what the gateway does when Redis dies.
/// With <see cref="Cluster"/>, a one-node Redis Cluster holding every hash slot: the client sees a cluster (one script
/// call per slot, CROSSSLOT errors) without the cost of several nodes.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
    private Process? _process;

    public int Port { get; } = Ports.Free();

    /// <summary>Runs in cluster mode (set before starting).</summary>
    public bool Cluster { get; init; }

    // Cluster mode writes its node configuration file here.
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "gateway-tests-redis-" + Guid.NewGuid().ToString("N"));

    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=1000,asyncTimeout=1000,syncTimeout=1000";

    public async Task InitializeAsync() => await StartAsync();

    public async Task StartAsync()
    {
        List<string> arguments = ["--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"];
        if (Cluster)
        {
            // The announced address matters: a node that has met no other announces none, and StackExchange.Redis then
            // takes it for a standalone server (no hash slots, one call for any mix of keys).
            Directory.CreateDirectory(_directory);
            arguments.AddRange(["--cluster-enabled", "yes", "--cluster-announce-ip", "127.0.0.1", "--cluster-config-file", "nodes.conf", "--dir", _directory]);
        }

        _process = ServerProcess.Start("redis-server", arguments, "run ./test.sh, which installs it.");

        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with code {_process.ExitCode} on port {Port}.");
            }

            try
            {
                await using var connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{Port},connectTimeout=500");
                await connection.GetDatabase().PingAsync();
                if (Cluster)
                {
                    await TakeEverySlotAsync(deadline);
                }

                return;
            }
            catch (RedisConnectionException)
            {
                await Task.Delay(50);
            }
        }

        throw new InvalidOperationException($"redis-server did not answer on port {Port} within {StartTimeout.TotalSeconds} s.");
    }

    /// <summary>The one node takes all 16384 slots (once: a restart keeps them), then waits for the cluster to be ok.</summary>
    private async Task TakeEverySlotAsync(DateTime deadline)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{Port},connectTimeout=500,allowAdmin=true");
        var server = connection.GetServer("127.0.0.1", Port);
        if (!((string?)await server.ExecuteAsync("CLUSTER", "INFO"))!.Contains("cluster_slots_assigned:16384", StringComparison.Ordinal))
        {
            await server.ExecuteAsync("CLUSTER", "ADDSLOTSRANGE", 0, 16383);
        }

        while (!((string?)await server.ExecuteAsync("CLUSTER", "INFO"))!.Contains("cluster_state:ok", StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"The one-node Redis Cluster on port {Port} did not become ok within {StartTimeout.TotalSeconds} s.");
            }

            await Task.Delay(50);
        }
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>
    /// Freezes the server (SIGSTOP to this test's own redis-server): connections stay open and nothing answers, as with a
    /// hung Redis. Always <see cref="ResumeAsync"/> in a finally, or use <see cref="Pause"/>.
    /// </summary>
    public Task PauseAsync() => SignalAsync("-STOP");

    /// <summary>Lets a paused server run again (SIGCONT): it then answers what was sent meanwhile.</summary>
    public Task ResumeAsync() => SignalAsync("-CONT");

    /// <summary>Pauses the server until the result is disposed (<c>await using (redis.Pause()) { ... }</c>).</summary>
    public IAsyncDisposable Pause()
    {
        PauseAsync().GetAwaiter().GetResult();
        return new Paused(this);
    }

    private async Task SignalAsync(string signal)
    {
        var pid = (_process ?? throw new InvalidOperationException("redis-server is not running.")).Id;
        using var kill = Process.Start(new ProcessStartInfo("kill", [signal, pid.ToString()]) { UseShellExecute = false })!;
        await kill.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill {signal} {pid} exited with {kill.ExitCode}.");
        }
    }

    private sealed class Paused(RedisServer server) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await server.ResumeAsync();
    }

    public async Task FlushAsync()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{Port},allowAdmin=true");
        await connection.GetServers()[0].FlushAllDatabasesAsync();
    }

    /// <summary>Every key and string/set value, for assertions about what the gateway stores.</summary>
    public async Task<IReadOnlyDictionary<string, string>> DumpAsync()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{Port},allowAdmin=true");
        var db = connection.GetDatabase();
        var result = new Dictionary<string, string>();
        await foreach (var key in connection.GetServers()[0].KeysAsync(pattern: "*"))
        {
            var type = await db.KeyTypeAsync(key);
            result[key!] = type switch
            {
                RedisType.String => (string?)await db.StringGetAsync(key) ?? "",
                RedisType.Set => string.Join(",", await db.SetMembersAsync(key)),
                RedisType.Hash => string.Join(",", (await db.HashGetAllAsync(key)).Select(e => $"{e.Name}={e.Value}")),
                RedisType.Stream => string.Join(";", (await db.StreamRangeAsync(key)).SelectMany(e => e.Values).Select(v => $"{v.Name}={v.Value}")),
                RedisType.SortedSet => string.Join(",", await db.SortedSetRangeByRankAsync(key)),
                RedisType.List => string.Join(",", await db.ListRangeAsync(key)),
                _ => type.ToString(),
            };
        }

        return result;
    }

    public async Task DisposeAsync()
    {
        await StopAsync();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

}
