using System.Diagnostics;
using Genlook.Gateway.Tests.Infrastructure;

namespace Genlook.Gateway.Tests.Observability;

/// <summary>
/// <c>promtool</c> (Debian package <c>prometheus</c>, installed by test.sh) checks the alerting rules and the compose
/// stack's Prometheus configuration, and runs the rules' unit tests. Fails, never skips, when promtool is missing.
/// </summary>
public sealed class AlertRulesTests
{
    [Fact]
    public async Task PromtoolCheckRules_AlertsYaml_Succeeds() =>
        await AssertPromtoolSucceedsAsync("check", "rules", OperationsFiles.Alerts);

    [Fact]
    public async Task PromtoolTestRules_AlertsTestYaml_EveryTestPasses() =>
        await AssertPromtoolSucceedsAsync("test", "rules", OperationsFiles.AlertTests);

    [Fact]
    public async Task PromtoolCheckConfig_ComposePrometheus_Succeeds() =>
        await AssertPromtoolSucceedsAsync("check", "config", "deploy/observability/prometheus.yml");

    private static async Task AssertPromtoolSucceedsAsync(params string[] arguments)
    {
        var psi = new ProcessStartInfo("promtool")
        {
            WorkingDirectory = RepositoryFiles.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException("promtool did not start.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("promtool is not installed or not on PATH; run ./test.sh, which installs it (Debian package 'prometheus').", ex);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(process.ExitCode == 0, $"promtool {string.Join(' ', arguments)} failed:\n{await stdout}\n{await stderr}");
        }
    }
}
