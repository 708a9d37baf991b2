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
        Requests = app.Services.GetRequiredService<EmulatorRequestLog>();
        Faults = app.Services.GetRequiredService<EmulatorFaults>();
        State = app.Services.GetRequiredService<EmulatorState>();
    }

    /// <summary>The bound address, e.g. <c>http://127.0.0.1:41234</c> (the real port when started on port 0).</summary>
    public Uri BaseAddress { get; }

    /// <summary>Every request the emulator received, with the status it answered.</summary>
    public EmulatorRequestLog Requests { get; }

    /// <summary>Faults to inject into the next matching requests.</summary>
    public EmulatorFaults Faults { get; }

    /// <summary>Products, uploads and generations, for assertions and seeding.</summary>
    public EmulatorState State { get; }

    /// <summary>Starts listening on <paramref name="url"/> (port 0 picks a free port) and returns once it accepts requests.</summary>
    public static async Task<GenlookEmulatorHost> StartAsync(EmulatorOptions options, string url = "http://127.0.0.1:0", TimeProvider? time = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Emulator", ContentRootPath = AppContext.BaseDirectory });

        // The hosting process's appsettings and environment (a gateway's Kestrel endpoints, ASPNETCORE_URLS, ...) belong
        // to that process; the emulator is configured only by the options passed in.
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url);
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
        // In-process, the host's OpenTelemetry listens to every ASP.NET Core host in the process: the emulator's requests
        // must not count as the gateway's own (http.server.* metrics, scraped from the gateway).
        app.Use((context, next) =>
        {
            if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMetricsTagsFeature>() is { } metrics)
            {
                metrics.MetricsDisabled = true;
            }

            return next(context);
        });
        app.MapGenlookEmulator();
        try
        {
            await app.StartAsync(ct);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new GenlookEmulatorHost(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
