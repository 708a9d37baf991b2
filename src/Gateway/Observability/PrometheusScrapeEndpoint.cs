using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace Genlook.Gateway.Observability;

/// <summary>The opt-in Prometheus scrape endpoint (<c>OpenTelemetry:Prometheus</c>).</summary>
public sealed class PrometheusEndpointOptions
{
    public const string SectionName = "OpenTelemetry:Prometheus";

    /// <summary>
    /// Port of <c>GET /metrics</c> (Prometheus text format), on every interface, apart from the API's port.
    /// Defaults to none: no scrape endpoint.
    /// </summary>
    [Range(1, 65535, ErrorMessage = "OpenTelemetry:Prometheus:Port must be between {1} and {2}.")]
    public int? Port { get; set; }
}

/// <summary>
/// Serves the gateway's metrics at <c>/metrics</c> on <see cref="PrometheusEndpointOptions.Port"/> and nothing else.
/// A server of its own rather than a second endpoint of the API's Kestrel: an endpoint added in code replaces the
/// addresses <c>ASPNETCORE_URLS</c>/<c>ASPNETCORE_HTTP_PORTS</c> give the API, and the API's routes would answer there too.
/// </summary>
internal sealed partial class PrometheusScrapeServer(MeterProvider meterProvider, IOptions<PrometheusEndpointOptions> options, ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private WebApplication? _server;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var port = options.Value.Port!.Value;
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.ListenAnyIP(port));
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        // The gateway's host owns the process: no second Ctrl+C/SIGTERM handler, no second start-up banner.
        builder.Services.AddSingleton<IHostLifetime, HostedLifetime>();

        var server = builder.Build();
        // Scrapes are not the gateway's traffic: they stay out of http.server.request.duration.
        server.Use((context, next) =>
        {
            if (context.Features.Get<IHttpMetricsTagsFeature>() is { } metrics)
            {
                metrics.MetricsDisabled = true;
            }

            return next(context);
        });
        server.UseOpenTelemetryPrometheusScrapingEndpoint(meterProvider, predicate: context => context.Request.Path == "/metrics", path: null, configureBranchedPipeline: null, optionsName: null);

        try
        {
            await server.StartAsync(cancellationToken);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        _server = server;
        LogListening(loggerFactory.CreateLogger<PrometheusScrapeServer>(), port);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            await _server.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private sealed class HostedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    [LoggerMessage(3101, LogLevel.Information, "Prometheus scrape endpoint: GET /metrics on port {Port}")]
    private static partial void LogListening(ILogger logger, int port);
}
