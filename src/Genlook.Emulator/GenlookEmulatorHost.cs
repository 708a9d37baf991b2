using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Genlook.Emulator;

/// <summary>The emulator on its own Kestrel listener: in-process for the gateway's Development mode, tests and benchmarks.</summary>
public sealed class GenlookEmulatorHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GenlookEmulatorHost(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    /// <summary>The bound address, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public Uri BaseAddress { get; }

    public EmulatorRequestLog Requests => _app.Services.GetRequiredService<EmulatorRequestLog>();

    public EmulatorFaults Faults => _app.Services.GetRequiredService<EmulatorFaults>();

    public EmulatorState State => _app.Services.GetRequiredService<EmulatorState>();

    /// <summary>Starts listening on <paramref name="url"/> (port 0 picks a free port) and returns once it accepts requests.</summary>
    public static async Task<GenlookEmulatorHost> StartAsync(EmulatorOptions options, string url = "http://127.0.0.1:0", TimeProvider? time = null, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Emulator" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = 256L * 1024 * 1024);
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services.AddGenlookEmulator(o =>
        {
            o.ApiKeys = [.. options.ApiKeys];
            o.Strict = options.Strict;
            o.PendingFor = options.PendingFor;
            o.ProcessingFor = options.ProcessingFor;
            o.ResultUrlLifetime = options.ResultUrlLifetime;
            o.Instant = options.Instant;
            o.PublicBaseUrl = options.PublicBaseUrl;
        });

        var app = builder.Build();
        app.MapGenlookEmulator();
        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new GenlookEmulatorHost(app, new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
