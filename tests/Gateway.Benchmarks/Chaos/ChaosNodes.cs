using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Genlook.Gateway.Benchmarks.Chaos;

/// <summary>One life of a child process (a restart is a new life, with a new PID), for the resource samples.</summary>
internal sealed record ProcessLife(string Name, Process Process)
{
    public int Pid { get; } = Process.Id;
}

/// <summary>redis-server on a fixed loopback port, with AOF persistence as an operator runs the gateway's store.</summary>
internal sealed class RedisNode(ChaosProcesses processes, int port, List<ProcessLife> lives)
{
    public int Port { get; } = port;

    public Process Current { get; private set; } = null!;

    public async Task StartAsync(CancellationToken ct)
    {
        var dir = Path.Combine(processes.WorkDir, "redis");
        Directory.CreateDirectory(dir);
        Current = processes.Start("redis-server",
            ["--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", dir, "--appendonly", "yes", "--appendfsync", "everysec", "--save", ""],
            "redis.log");
        lives.Add(new ProcessLife(lives.Any(l => l.Name.StartsWith("redis", StringComparison.Ordinal)) ? "redis (restarted)" : "redis", Current));
        await Wait.UntilAsync(() => PingAsync(ct), TimeSpan.FromSeconds(30), Current, "redis-server did not answer PING", ct);
    }

    /// <summary>A graceful stop (SIGTERM: Redis flushes its AOF), SIGKILL after 15 s.</summary>
    public Task StopAsync()
    {
        ChaosProcesses.Signal(Current, "TERM");
        return ChaosProcesses.StopAsync(Current, TimeSpan.FromSeconds(15));
    }

    private async Task<bool> PingAsync(CancellationToken ct)
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(1));
            await client.ConnectAsync("127.0.0.1", Port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token);
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }
}

/// <summary>A gateway instance: the built Release gateway as its own process, configured by environment variables.</summary>
internal sealed class GatewayNode(ChaosProcesses processes, string name, string dll, int port, IReadOnlyDictionary<string, string> environment, List<ProcessLife>? lives)
{
    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(2) };

    public string Name { get; } = name;

    public Uri BaseAddress { get; } = new($"http://127.0.0.1:{port}");

    public Process Current { get; private set; } = null!;

    public async Task StartAsync(CancellationToken ct)
    {
        Current = processes.Start("dotnet", [dll, "--urls", BaseAddress.ToString().TrimEnd('/')], $"{Name.Replace(' ', '-')}.log", environment);
        lives?.Add(new ProcessLife(lives.Any(l => l.Name.StartsWith(Name, StringComparison.Ordinal)) ? Name + " (restarted)" : Name, Current));
        await Wait.UntilAsync(() => ReadyAsync(ct), TimeSpan.FromSeconds(180), Current, $"{Name} did not become ready (GET /readyz)", ct);
    }

    private async Task<bool> ReadyAsync(CancellationToken ct)
    {
        try
        {
            using var response = await Probe.GetAsync(new Uri(BaseAddress, "/readyz"), ct);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }
}

internal static class Wait
{
    /// <summary>Polls <paramref name="condition"/> every 100 ms until it holds; fails after <paramref name="timeout"/> or when <paramref name="process"/> exits.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Process? process, string failure, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        while (!await condition())
        {
            if (process is { HasExited: true })
            {
                throw new InvalidOperationException($"{failure}: the process exited with {process.ExitCode}");
            }

            if (Stopwatch.GetElapsedTime(started) > timeout)
            {
                throw new TimeoutException($"{failure} within {timeout.TotalSeconds:0} s");
            }

            await Task.Delay(100, ct);
        }
    }
}
