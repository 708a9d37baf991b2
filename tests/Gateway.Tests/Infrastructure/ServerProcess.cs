using System.Diagnostics;

namespace Genlook.Gateway.Tests.Infrastructure;

/// <summary>Starts a server program the tests own (redis-server, prometheus) with its output drained, or says how to install it.</summary>
internal static class ServerProcess
{
    public static Process Start(string program, IEnumerable<string> arguments, string installHint)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException($"{program} did not start.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"{program} is not installed or not on PATH; {installHint}", ex);
        }

        // Drained so that a chatty server never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
