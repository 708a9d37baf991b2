using Genlook.Emulator;
using Genlook.Gateway.Hosting;
using Genlook.Gateway.Proxy;
using Microsoft.Extensions.Options;

namespace Genlook.Gateway.Hosting;

/// <summary>
/// Runs the Genlook emulator inside the gateway process when <c>Genlook:Emulator:Enabled</c> (the Development default),
/// so a fresh clone needs no Genlook account and no network.
/// </summary>
internal sealed partial class EmulatorHostedService(IOptions<GenlookOptions> options, ILogger<EmulatorHostedService> logger) : IHostedService
{
    private GenlookEmulatorHost? _host;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var genlook = options.Value;
        if (!genlook.Emulator.Enabled)
        {
            return;
        }

        var keys = genlook.Accounts.Values.Select(a => a.ApiKey).OfType<string>().Where(k => k.Length > 0).Distinct().ToList();
        try
        {
            _host = await GenlookEmulatorHost.StartAsync(new EmulatorOptions { ApiKeys = keys.Count > 0 ? keys : [DevelopmentDefaults.EmulatorApiKey] }, genlook.Emulator.Url, ct: cancellationToken);
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException(
                $"The Genlook emulator could not listen on {genlook.Emulator.Url} (Genlook:Emulator:Url): {ex.Message.TrimEnd('.')}. Free the port or set another URL.", ex);
        }

        LogEmulatorStarted(logger, _host.BaseAddress);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    [LoggerMessage(3001, LogLevel.Information, "Genlook emulator (offline stand-in for Genlook v1) listening on {Address}; every account without a BaseUrl uses it.")]
    private static partial void LogEmulatorStarted(ILogger logger, Uri address);
}
