using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Genlook.Gateway.Benchmarks.Chaos;

/// <summary>
/// The child processes of a chaos run (redis-server, gateway instances): started with their output in a log file,
/// signalled by PID, and all killed when the run ends however it ends. Each PID is also appended to a file, so the
/// calling script can kill what is left if this process itself is killed.
/// </summary>
internal sealed class ChaosProcesses(string workDir) : IDisposable
{
    private readonly List<Process> _started = [];
    private readonly Lock _lock = new();
    private readonly string _pidFile = Path.Combine(workDir, "pids");

    public string WorkDir { get; } = workDir;

    /// <summary>Starts <paramref name="file"/> with its stdout and stderr appended to <paramref name="logName"/> in the work directory.</summary>
    public Process Start(string file, IReadOnlyList<string> arguments, string logName, IReadOnlyDictionary<string, string>? environment = null)
    {
        // sh execs the program, so the PID is the program's own and signals reach it directly.
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("exec \"$@\" >>\"$CHAOS_LOG\" 2>&1");
        info.ArgumentList.Add("sh");
        info.ArgumentList.Add(file);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["CHAOS_LOG"] = Path.Combine(WorkDir, logName);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        lock (_lock)
        {
            _started.Add(process);
            File.AppendAllText(_pidFile, process.Id.ToString(CultureInfo.InvariantCulture) + "\n");
        }

        return process;
    }

    /// <summary>Sends a signal (STOP, CONT, TERM, KILL) with <c>kill(1)</c>.</summary>
    public static void Signal(Process process, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("could not run kill");
        if (!kill.WaitForExit(10_000) || kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {process.Id} failed");
        }
    }

    /// <summary>Waits for the process to exit; SIGKILL when it has not within <paramref name="timeout"/>.</summary>
    public static async Task StopAsync(Process process, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>Resident memory (kB) and open file descriptors of a live process, from /proc; null once it is gone.</summary>
    public static (long RssKb, int Fds)? Sample(int pid)
    {
        try
        {
            var rss = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            if (rss is null)
            {
                return null;
            }

            var kb = long.Parse(rss["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            return (kb, Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd").Count());
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>A loopback port nothing listens on now (the OS picks it).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        Process[] started;
        lock (_lock)
        {
            started = [.. _started];
            _started.Clear();
        }

        foreach (var process in started)
        {
            try
            {
                if (!process.HasExited)
                {
                    // A stopped redis-server must be continued to die cleanly; SIGKILL works either way.
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
            }
            catch (System.ComponentModel.Win32Exception)
            {
            }

            process.Dispose();
        }
    }
}
