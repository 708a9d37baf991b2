using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Genlook.Gateway.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Genlook.Gateway.Tests.Observability;

/// <summary>
/// The operations files against the real thing: a real <c>prometheus</c> scrapes a real gateway (Kestrel, Redis, the
/// emulator) on its metrics port and evaluates <c>alerts.yaml</c> (every <c>for:</c> cut to 2 s, same expressions).
/// Every query of the Grafana dashboard must return data after an app's traffic, the series the promtool tests feed
/// the rules must be ones the gateway really exports, and the Redis alerts must fire when Redis dies and clear when it
/// returns. Runs alone: OpenTelemetry listens process-wide, so other test hosts' metrics would mix in.
/// </summary>
[Collection(TelemetryCollection.Name)]
public sealed class PrometheusEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private const string Product = """{"externalId":"shirt-42","title":"Red tee","images":[{"source":{"url":"https://cdn.example.com/a.jpg"}}]}""";

    private readonly RedisServer _redis = new();
    private readonly int _metricsPort = Ports.Free();
    private GatewayApp _app = null!;
    private PrometheusServer _prometheus = null!;

    public async Task InitializeAsync()
    {
        await _redis.StartAsync();
        _app = await GatewayApp.StartAsync(_redis.ConnectionString,
            new Dictionary<string, string?> { ["OpenTelemetry:Prometheus:Port"] = _metricsPort.ToString(CultureInfo.InvariantCulture) },
            kestrel: true);
        _prometheus = await PrometheusServer.StartAsync(
            $$"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            rule_files: [alerts.yaml]
            scrape_configs:
              - job_name: genlook-gateway
                static_configs:
                  - targets: ["127.0.0.1:{{_metricsPort}}"]
            """,
            new Dictionary<string, string> { ["alerts.yaml"] = OperationsFiles.AlertsWithFor("2s") });
    }

    public async Task DisposeAsync()
    {
        await _prometheus.DisposeAsync();
        await _app.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task DashboardQueries_AfterAppTraffic_EachReturnsData()
    {
        var started = Stopwatch.StartNew();
        var queries = OperationsFiles.DashboardQueries();
        Assert.NotEmpty(queries);

        // rate() and increase() need a series to grow between two scrapes: traffic goes on, round after round,
        // until every query has a number (NaN is no data: a ratio or quantile of nothing).
        var missing = queries.ToList();
        var deadline = DateTime.UtcNow + Patience;
        for (var round = 0; missing.Count > 0 && DateTime.UtcNow < deadline; round++)
        {
            await DriveAppTrafficAsync(round);
            var stillMissing = new List<(string Panel, string Expression)>();
            foreach (var query in missing)
            {
                if (!HasNumber(await _prometheus.QueryAsync(query.Expression)))
                {
                    stillMissing.Add(query);
                }
            }

            missing = stillMissing;
        }

        Assert.True(missing.Count == 0, "dashboard queries without data: " + string.Join(" | ", missing.Select(q => $"{q.Panel}: {q.Expression}")));
        foreach (var (panel, expression) in queries)
        {
            output.WriteLine($"{panel}: {expression} = {Describe(await _prometheus.QueryAsync(expression))}");
        }

        // Only the gateway's own requests: the in-process emulator (Genlook) serves /customers/{customerId}, the gateway does not.
        var routes = await _prometheus.QueryAsync("count by (http_route) (http_server_request_duration_seconds_count)");
        Assert.DoesNotContain(routes.EnumerateArray(), series => series.GetProperty("metric").TryGetProperty("http_route", out var route) && route.GetString()!.Contains("customers", StringComparison.Ordinal));
        Assert.Contains(routes.EnumerateArray(), series => series.GetProperty("metric").TryGetProperty("http_route", out var route) && route.GetString() == "/gdpr/me");

        // The failed-job counter exists at 0 before any job failed, so that the first failure is an increase.
        var failed = await _prometheus.QueryAsync("""gateway_gdpr_jobs_total{gdpr_job_state="failed"}""");
        Assert.Equal("0", Assert.Single(failed.EnumerateArray()).GetProperty("value")[1].GetString());

        // Every series the promtool tests feed the rules is one the gateway exports, with those label names.
        foreach (var (metric, labels) in AlertTestSeries())
        {
            var exported = await _prometheus.SeriesLabelsAsync(metric);
            Assert.True(exported.Any(series => labels.IsSubsetOf(series)),
                $"alerts.test.yaml feeds '{metric}' with labels {string.Join(",", labels)}, but Prometheus has {(exported.Count == 0 ? "no such series" : string.Join(" / ", exported.Select(s => string.Join(",", s))))}");
        }

        output.WriteLine($"{queries.Count} queries with data after {started.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task RedisAlerts_RedisStoppedThenRestarted_FireThenClear()
    {
        var started = Stopwatch.StartNew();
        var app = new AppSession(_app.ClientFor("ops-redis-user"));
        Assert.True(await Poll.UntilAsync(async () => Value(await _prometheus.QueryAsync("gateway_redis_available")) == 1, Patience),
            "Prometheus never saw gateway_redis_available = 1");
        Assert.DoesNotContain(await _prometheus.AlertsAsync(), alert => alert.Name == "GatewayRedisDown");

        await _redis.StopAsync();
        var states = new HashSet<string>();
        var fired = await Poll.UntilAsync(async () =>
        {
            // The app keeps polling: the limiter decides on its per-instance fallback meanwhile.
            await app.GenerationAsync("gen_while_redis_is_down");
            var alerts = await _prometheus.AlertsAsync();
            states.UnionWith(alerts.Where(a => a.Name == "GatewayRedisDown").Select(a => a.State));
            return alerts.Contains(("GatewayRedisDown", "firing")) && alerts.Contains(("GatewayRateLimiterOnFallback", "firing"));
        }, Patience);
        Assert.True(fired, $"with Redis stopped, the alerts were: {string.Join(", ", await _prometheus.AlertsAsync())}");
        Assert.Contains("pending", states);
        output.WriteLine($"GatewayRedisDown states seen: {string.Join(" → ", states)}; firing after {started.Elapsed.TotalSeconds:F1} s");

        await _redis.StartAsync();
        var cleared = await Poll.UntilAsync(async () => !(await _prometheus.AlertsAsync()).Any(a => a.Name == "GatewayRedisDown"), Patience);
        Assert.True(cleared, $"with Redis back, the alerts were: {string.Join(", ", await _prometheus.AlertsAsync())}");
        output.WriteLine($"cleared after {started.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>One round of what apps do: upload, try-on, poll to the end and once more (cached), a legacy shape,
    /// someone else's generation, a try-on Genlook refuses the key of (502), and a GDPR erase.</summary>
    private async Task DriveAppTrafficAsync(int round)
    {
        var app = new AppSession(_app.ClientFor($"ops-user-{round}"));
        var imageId = await app.UploadImageIdAsync();
        var generationId = await app.TryOnGenerationIdAsync(imageId, Product);
        Assert.True(await Poll.UntilAsync(async () => (await (await app.GenerationAsync(generationId)).Content.ReadAsStringAsync()).Contains("\"COMPLETED\"", StringComparison.Ordinal), TimeSpan.FromSeconds(10)));
        Assert.Equal(HttpStatusCode.OK, (await app.GenerationAsync(generationId)).StatusCode);

        var legacy = await app.TryOnAsync(Body("""{"product":PRODUCT,"person":{"image":{"source":{"id":"IMAGE"}}}}""", imageId));
        Assert.True(legacy.IsSuccessStatusCode, await legacy.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await app.GenerationAsync("gen_someone_elses")).StatusCode);

        _app.Emulator.Faults.FailWith(401, "INVALID_API_KEY", pathPrefix: "/tryon/v1/try-on", method: "POST", times: 1);
        var refused = await app.TryOnAsync(Body("""{"products":[PRODUCT],"person":{"image":{"source":{"id":"IMAGE"}}}}""", imageId));
        Assert.Equal(HttpStatusCode.BadGateway, refused.StatusCode);

        Assert.Equal(HttpStatusCode.Accepted, (await app.Client.DeleteAsync("/gdpr/me")).StatusCode);
    }

    private static string Body(string template, string imageId) =>
        template.Replace("PRODUCT", Product, StringComparison.Ordinal).Replace("IMAGE", imageId, StringComparison.Ordinal);

    /// <summary>The metric names and label names of the input series of <c>alerts.test.yaml</c> (<c>name{label="…",…}</c>).</summary>
    private static IEnumerable<(string Metric, HashSet<string> Labels)> AlertTestSeries()
    {
        var tests = (System.Collections.IList)((Dictionary<object, object>)RepositoryFiles.Yaml(OperationsFiles.AlertTests)!)["tests"];
        return tests.Cast<Dictionary<object, object>>()
            .SelectMany(test => ((System.Collections.IList)test["input_series"]).Cast<Dictionary<object, object>>())
            .Select(series => series["series"].ToString()!)
            .Select(series =>
            {
                var brace = series.IndexOf('{', StringComparison.Ordinal);
                var labels = System.Text.RegularExpressions.Regex.Matches(series[brace..], @"([a-zA-Z_][a-zA-Z0-9_]*)=""").Select(m => m.Groups[1].Value);
                return (series[..brace], labels.ToHashSet());
            })
            .DistinctBy(s => s.Item1 + string.Join(",", s.Item2.Order()));
    }

    private static bool HasNumber(JsonElement result) =>
        result.EnumerateArray().Any(sample => double.TryParse(sample.GetProperty("value")[1].GetString(), CultureInfo.InvariantCulture, out var value) && double.IsFinite(value));

    private static double? Value(JsonElement result) =>
        result.GetArrayLength() == 0 ? null : double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);

    private static string Describe(JsonElement result) =>
        string.Join("; ", result.EnumerateArray().Select(sample =>
            $"{{{string.Join(",", sample.GetProperty("metric").EnumerateObject().Select(l => $"{l.Name}={l.Value}"))}}} {sample.GetProperty("value")[1]}"));
}
