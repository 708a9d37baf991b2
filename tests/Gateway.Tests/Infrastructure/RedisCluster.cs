using System.Diagnostics;
using StackExchange.Redis;

namespace Genlook.Gateway.Tests.Infrastructure;

/// <summary>
/// A real Redis Cluster owned by the test run: three primaries with one replica each, six <c>redis-server</c> processes on
/// free loopback ports, joined by <c>redis-cli --cluster create</c>. A short <c>cluster-node-timeout</c> lets a replica
/// take over a dead primary within a few seconds. Fails (never skips) when it cannot start; torn down after.
/// </summary>
public sealed class RedisCluster : IAsyncLifetime
{
    private const int Primaries = 3;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "gateway-tests-cluster-" + Guid.NewGuid().ToString("N"));
    private readonly Node[] _nodes = Enumerable.Range(0, 2 * Primaries).Select(_ => new Node(Ports.Free(), Ports.Free())).ToArray();

    /// <summary>How long a node may be silent before the others deem it failed (ms).</summary>
    public int NodeTimeoutMilliseconds { get; init; } = 1000;

    /// <summary>Every node, as the gateway's <c>ConnectionStrings:Redis</c> lists them.</summary>
    public string ConnectionString =>
        string.Join(",", _nodes.Select(n => $"127.0.0.1:{n.Port}")) + ",abortConnect=false,connectTimeout=1000,asyncTimeout=1000,syncTimeout=1000";

    public async Task InitializeAsync()
    {
        try
        {
            foreach (var node in _nodes)
            {
                Start(node);
            }

            var deadline = DateTime.UtcNow + StartTimeout;
            foreach (var node in _nodes)
            {
                await WaitAsync(() => PingAsync(node), deadline, $"redis-server on port {node.Port} did not answer");
            }

            await CreateAsync(deadline);
            await WaitAsync(HealthyAsync, deadline, "the cluster did not reach cluster_state:ok with every replica in sync");
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        await Task.WhenAll(_nodes.Select(node => node.StopAsync()));
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>Kills (SIGKILL) the primary that serves <paramref name="key"/>'s hash slot; returns its port.</summary>
    public async Task<int> KillPrimaryOfAsync(string key)
    {
        var port = await PrimaryOfAsync(key);
        await _nodes.Single(n => n.Port == port).StopAsync();
        return port;
    }

    /// <summary>The port of the primary that serves <paramref name="key"/>'s hash slot now, as a live node sees it.</summary>
    public async Task<int> PrimaryOfAsync(string key)
    {
        var live = _nodes.First(n => n.Running);
        await using var connection = await AdminAsync(live.Port);
        var server = connection.GetServer("127.0.0.1", live.Port);
        var slot = connection.HashSlot(key);
        var nodes = (string)(await server.ExecuteAsync("CLUSTER", "NODES"))!;
        foreach (var line in nodes.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ');
            if (!fields[2].Contains("master", StringComparison.Ordinal) || fields[2].Contains("fail", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var range in fields.Skip(8).Where(f => !f.StartsWith('[')))
            {
                var bounds = range.Split('-');
                var (from, to) = (int.Parse(bounds[0]), int.Parse(bounds[^1]));
                if (slot >= from && slot <= to)
                {
                    return int.Parse(fields[1][(fields[1].IndexOf(':') + 1)..fields[1].IndexOf('@')]);
                }
            }
        }

        throw new InvalidOperationException($"No live primary serves slot {slot}.");
    }

    /// <summary>Whether every live node says <c>cluster_state:ok</c> and every slot has a live primary.</summary>
    public async Task<bool> HealthyAsync()
    {
        foreach (var node in _nodes.Where(n => n.Running))
        {
            await using var connection = await AdminAsync(node.Port);
            var server = connection.GetServer("127.0.0.1", node.Port);
            var info = (string)(await server.ExecuteAsync("CLUSTER", "INFO"))!;
            if (!info.Contains("cluster_state:ok", StringComparison.Ordinal))
            {
                return false;
            }

            var replication = (string)(await server.ExecuteAsync("INFO", "replication"))!;
            if (replication.Contains("role:slave", StringComparison.Ordinal) && !replication.Contains("master_link_status:up", StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private void Start(Node node)
    {
        var directory = Path.Combine(_directory, node.Port.ToString());
        Directory.CreateDirectory(directory);
        node.Process = ServerProcess.Start("redis-server", [
            "--port", node.Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory,
            "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-port", node.BusPort.ToString(),
            "--cluster-announce-ip", "127.0.0.1", "--cluster-node-timeout", NodeTimeoutMilliseconds.ToString(),
            // A replica may take over however long it was cut off: the test kills its primary at any moment.
            "--cluster-replica-validity-factor", "0",
            // A replica's first sync at once, not after the default 5 s wait for more replicas.
            "--repl-diskless-sync-delay", "0"], "run ./test.sh, which installs it.");
    }

    private async Task CreateAsync(DateTime deadline)
    {
        var psi = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("--cluster");
        psi.ArgumentList.Add("create");
        foreach (var node in _nodes)
        {
            psi.ArgumentList.Add($"127.0.0.1:{node.Port}");
        }

        foreach (var argument in (string[])["--cluster-replicas", "1", "--cluster-yes"])
        {
            psi.ArgumentList.Add(argument);
        }

        using var cli = Process.Start(psi) ?? throw new InvalidOperationException("redis-cli did not start.");
        var output = cli.StandardOutput.ReadToEndAsync();
        var errors = cli.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(deadline - DateTime.UtcNow);
        try
        {
            await cli.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            cli.Kill();
            throw new InvalidOperationException("redis-cli --cluster create did not finish in time.");
        }

        if (cli.ExitCode != 0)
        {
            throw new InvalidOperationException($"redis-cli --cluster create failed ({cli.ExitCode}): {await output}{await errors}");
        }
    }

    private static async Task<bool> PingAsync(Node node)
    {
        if (node.Process is { HasExited: true } exited)
        {
            throw new InvalidOperationException($"redis-server exited with code {exited.ExitCode} on port {node.Port}.");
        }

        try
        {
            await using var connection = await AdminAsync(node.Port);
            await connection.GetServer("127.0.0.1", node.Port).PingAsync();
            return true;
        }
        catch (RedisConnectionException)
        {
            return false;
        }
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, DateTime deadline, string failure)
    {
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"{failure} within {StartTimeout.TotalSeconds} s.");
            }

            await Task.Delay(100);
        }
    }

    // One node alone (no cluster discovery): for admin commands to that node.
    private static Task<ConnectionMultiplexer> AdminAsync(int port) =>
        ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},connectTimeout=1000,allowAdmin=true,abortConnect=true");

    private sealed class Node(int port, int busPort)
    {
        public int Port { get; } = port;

        public int BusPort { get; } = busPort;

        public Process? Process { get; set; }

        public bool Running => Process is { HasExited: false };

        public async Task StopAsync()
        {
            if (Process is { HasExited: false })
            {
                Process.Kill(entireProcessTree: true);
                await Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }

            Process?.Dispose();
            Process = null;
        }
    }
}
