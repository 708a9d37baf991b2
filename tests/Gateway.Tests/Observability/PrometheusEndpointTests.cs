using System.Globalization;
using System.Net;
using Genlook.Gateway.Observability;
using Genlook.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Genlook.Gateway.Tests.Observability;

/// <summary>
/// <c>OpenTelemetry:Prometheus:Port</c>: metrics on their own port, only there, and only when asked for. Runs alone:
/// OpenTelemetry listens process-wide, so other test hosts' requests would be counted in what is scraped.
/// </summary>
[Collection(TelemetryCollection.Name)]
public sealed class PrometheusEndpointTests
{
    [Fact]
    public async Task ScrapeEndpoint_PortSet_ServesMetricsOnThatPortOnly()
    {
        var port = Ports.Free();
        await using var app = await GatewayApp.StartAsync(settings: new Dictionary<string, string?> { ["OpenTelemetry:Prometheus:Port"] = port.ToString(CultureInfo.InvariantCulture) });
        using var scraper = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await app.ClientFor("scraped-user").GetAsync("/tryon/v1/generations/gen_unknown");

        var metrics = await scraper.GetAsync("/metrics");
        var text = await metrics.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Contains("gateway_ownership_denials_total{", text, StringComparison.Ordinal);
        Assert.Contains("http_server_request_duration_seconds_bucket{", text, StringComparison.Ordinal);
        Assert.DoesNotContain("scraped-user", text, StringComparison.Ordinal);
        // Scrapes are not traffic: the first one (no route) is not in a later one (scrapes are cached 300 ms: wait
        // for one that shows a second request).
        await app.ClientFor("scraped-user").GetAsync("/tryon/v1/generations/gen_unknown");
        var again = "";
        Assert.True(await Poll.UntilAsync(async () => (again = await scraper.GetStringAsync("/metrics")).Contains("route=\"generation-status\"} 2", StringComparison.Ordinal), TimeSpan.FromSeconds(5)), again);
        Assert.DoesNotContain(again.Split('\n'), line => line.StartsWith("http_server_request_duration_seconds_count{", StringComparison.Ordinal) && !line.Contains("http_route=", StringComparison.Ordinal));

        // The API is not on the metrics port, and the metrics are not on the API's.
        Assert.Equal(HttpStatusCode.NotFound, (await scraper.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await scraper.GetAsync("/tryon/v1/generations/gen_unknown")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.AnonymousClient().GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task ScrapeEndpoint_NoPort_IsNotStarted()
    {
        await using var app = await GatewayApp.StartAsync();

        Assert.DoesNotContain(app.Services.GetServices<IHostedService>(), service => service is PrometheusScrapeServer);
        Assert.Equal(HttpStatusCode.NotFound, (await app.AnonymousClient().GetAsync("/metrics")).StatusCode);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("65536")]
    public async Task Startup_PortOutOfRange_FailsNamingTheKey(string port)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            GatewayApp.StartAsync(settings: new Dictionary<string, string?> { ["OpenTelemetry:Prometheus:Port"] = port }));

        Assert.Contains("OpenTelemetry:Prometheus:Port", error.Message, StringComparison.Ordinal);
    }
}
