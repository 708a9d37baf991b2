using System.Diagnostics;
using System.Net;
using Genlook.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Genlook.Gateway.Tests.Observability;

/// <summary>
/// The signals operators get, through OpenTelemetry's in-memory exporters: the decisions appear as spans, attributes and
/// metrics, and no span, attribute, metric tag or log record carries a subject, pseudonym, token, API key or image URL.
/// Runs alone: OpenTelemetry listens process-wide, so spans and metrics of parallel test hosts would mix in.
/// </summary>
[Collection(TelemetryCollection.Name)]
public sealed class TelemetryTests : IAsyncLifetime
{
    private const string Subject = "auth0|telemetry-subject-7731";
    private readonly LockedCollection<Activity> _spans = new();
    private readonly LockedCollection<Metric> _metrics = new();
    private readonly LockedCollection<LogRecord> _logs = new();
    private readonly RedisServer _redis = new();
    private GatewayApp _app = null!;

    public async Task InitializeAsync()
    {
        await _redis.StartAsync();
        _app = await GatewayApp.StartAsync(_redis.ConnectionString,
            new Dictionary<string, string?>
            {
                ["RateLimiting:Policies:uploads:PermitLimit"] = "1",
                ["RateLimiting:Policies:reads:Mode"] = "exact", // the batched store calls' spans are the exact mode's
                ["Logging:LogLevel:Default"] = "Debug",
                ["OpenTelemetry:Enabled"] = "true",
            },
            services: services =>
            {
                services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(_spans));
                services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddInMemoryExporter(_metrics));
                services.Configure<OpenTelemetryLoggerOptions>(logging => logging.AddInMemoryExporter(_logs));
            });
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _redis.DisposeAsync();
    }

    private void Flush()
    {
        _app.Services.GetRequiredService<TracerProvider>().ForceFlush();
        _app.Services.GetRequiredService<MeterProvider>().ForceFlush();
        _app.Services.GetRequiredService<LoggerProvider>().ForceFlush();
    }

    private long Sum(string instrument, params (string Key, string Value)[] tags)
    {
        long total = 0;
        foreach (var metric in _metrics.Where(m => m.Name == instrument))
        {
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                var pointTags = new Dictionary<string, object?>();
                foreach (var tag in point.Tags)
                {
                    pointTags[tag.Key] = tag.Value;
                }

                if (tags.All(t => Equals(pointTags.GetValueOrDefault(t.Key)?.ToString(), t.Value)))
                {
                    total = Math.Max(total, point.GetSumLong());
                }
            }
        }

        return total;
    }

    [Fact]
    public async Task Session_ProducesDecisionSpansAndMetrics_AndNoPersonalData()
    {
        var token = TestTokens.For(Subject);
        var client = _app.ClientFor(Subject);
        var session = new AppSession(client);
        var imageId = await session.UploadImageIdAsync();
        var rejected = await session.UploadAsync(); // over the uploads limit of 1
        var legacy = await session.TryOnAsync($$$"""{"product":{"title":"t","images":[{"url":"https://cdn.example.com/secret-image.jpg"}]},"customer":{"id":"{{{imageId}}}"}}""");
        var generationId = (await AppSession.JsonAsync(legacy)).GetProperty("generationId").GetString()!;
        await Poll.UntilAsync(async () => (await AppSession.JsonAsync(await session.GenerationAsync(generationId))).GetProperty("status").GetString() == "COMPLETED");
        var cached = await session.GenerationAsync(generationId);
        var denied = await new AppSession(_app.ClientFor("someone-else")).GenerationAsync(generationId);
        var erase = await _app.ClientFor("officer", scope: "gdpr:erase").DeleteAsync("/gdpr/users/" + Uri.EscapeDataString(Subject));
        Assert.Equal(HttpStatusCode.TooManyRequests, rejected.StatusCode);
        Assert.Equal(HttpStatusCode.OK, legacy.StatusCode);
        Assert.Contains("hit", cached.Headers.GetValues("Cache-Status").Single(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, denied.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, erase.StatusCode);
        await Poll.UntilAsync(() => Task.FromResult(_app.Emulator.Requests.Matching("DELETE", "/tryon/v1/customers/").Count > 0));
        var pseudonym = TestTokens.PseudonymOf(Subject);
        Assert.Contains($"\"externalUserId\":\"{pseudonym}\"", _app.Emulator.Requests.Matching("POST", "/tryon/v1/try-on").Single().JsonBody!, StringComparison.Ordinal);
        Flush();

        // Decisions on spans.
        var server = _spans.Where(s => s.Kind == ActivityKind.Server).ToList();
        Assert.Contains(server, s => Equals(s.GetTagItem("gateway.compat.rows"), "L7,L5,L12"));
        Assert.Contains(server, s => Equals(s.GetTagItem("gateway.ratelimit.uploads"), "rejected"));
        Assert.Contains(server, s => Equals(s.GetTagItem("gateway.cache"), "hit"));
        Assert.Contains(server, s => Equals(s.GetTagItem("gateway.ownership"), "denied"));
        Assert.Contains(_spans, s => s.Source.Name == "Genlook.Gateway" && s.DisplayName.StartsWith("redis ", StringComparison.Ordinal));
        Assert.Contains(_spans, s => s.Kind == ActivityKind.Client && s.Source.Name != "Genlook.Gateway"); // the call to Genlook
        var upstream = _app.Emulator.Requests.Matching("POST", "/tryon/v1/try-on").Single();
        var traceId = upstream.Headers["traceparent"].Split('-')[1]; // W3C context reached Genlook...
        Assert.Contains(server, s => s.TraceId.ToHexString() == traceId && Equals(s.GetTagItem("gateway.compat.rows"), "L7,L5,L12")); // ...in the try-on's trace

        // Metrics.
        Assert.Equal(1, Sum("gateway.compat.rewrites", ("compat.row", "L7"), ("route", "try-on")));
        Assert.Equal(1, Sum("gateway.ratelimit.decisions", ("policy", "uploads"), ("outcome", "rejected")));
        Assert.True(Sum("gateway.cache.lookups", ("cache.result", "hit")) >= 1);
        Assert.Equal(1, Sum("gateway.ownership.denials", ("route", "generation-status")));
        Assert.Equal(1, Sum("gateway.gdpr.jobs", ("gdpr.job.state", "accepted")));
        Assert.Contains(_metrics, m => m.Name == "gateway.upstream.duration");

        // Nothing personal anywhere in what is exported.
        string[] secrets = [Subject, "telemetry-subject-7731", pseudonym, token, GatewayApp.ApiKey, "secret-image.jpg", "_emulator/results"];
        var exported = new List<string>();
        foreach (var span in _spans)
        {
            exported.Add(span.DisplayName);
            exported.AddRange(span.TagObjects.Select(t => $"{t.Key}={t.Value}"));
            exported.AddRange(span.Events.Select(e => e.Name));
        }

        foreach (var metric in _metrics)
        {
            exported.Add(metric.Name);
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                foreach (var tag in point.Tags)
                {
                    exported.Add($"{tag.Key}={tag.Value}");
                }
            }
        }

        foreach (var log in _logs)
        {
            exported.Add(log.FormattedMessage ?? "");
            exported.Add(log.Body ?? "");
            exported.Add(log.Exception?.ToString() ?? "");
            exported.AddRange(log.Attributes?.Select(a => $"{a.Key}={a.Value}") ?? []);
        }

        Assert.NotEmpty(_logs);
        foreach (var secret in secrets)
        {
            var leaks = exported.Where(e => e.Contains(secret, StringComparison.Ordinal)).ToList();
            Assert.True(leaks.Count == 0, $"'{secret[..Math.Min(12, secret.Length)]}…' leaked in: {string.Join(" | ", leaks.Take(3))}");
        }
    }

    [Fact]
    public async Task LimitedRequests_BatchedStoreCallSpans_BelongToTheirRequestsTraces()
    {
        // Rate-limit decisions share Redis calls (batches): each call's span is in its one request's trace, or links
        // to every request it decided, so no request's limiter round trip is missing from its trace.
        var clients = Enumerable.Range(0, 24).Select(i => _app.ClientFor("batch-user-" + i)).ToList();

        var responses = await Task.WhenAll(clients.Select(c => c.GetAsync("/tryon/v1/products")));
        Flush();

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var limited = _spans.Where(s => s.Kind == ActivityKind.Server && s.GetTagItem("gateway.ratelimit.reads") is not null).ToList();
        var calls = _spans.Where(s => s.DisplayName == "redis EVALSHA rate-limit").ToList();
        Assert.Equal(responses.Length, limited.Count);
        Assert.All(limited, request => Assert.Contains(calls, call =>
            call.TraceId == request.TraceId || call.Links.Any(link => link.Context.TraceId == request.TraceId)));
        Assert.All(calls, call => Assert.True(call.ParentSpanId == default || limited.Any(r => r.TraceId == call.TraceId), "a store call's span has a parent outside the requests it decided"));
    }

    [Fact]
    public async Task EraseWithMixedCasePath_ExportsNoSubject()
    {
        // Not a route (routes are exact), yet its path carries the subject as much as the real one's does.
        var erase = await _app.ClientFor("officer", scope: "gdpr:erase").DeleteAsync("/GDPR/Users/" + Uri.EscapeDataString(Subject));
        Flush();

        await ErrorAssert.IsError(erase, HttpStatusCode.NotFound, "ROUTE_NOT_FOUND");
        var server = Assert.Single(_spans, s => s.Kind == ActivityKind.Server && Equals(s.GetTagItem("http.request.method"), "DELETE"));
        Assert.Equal("/gdpr/users/{subject}", server.GetTagItem("url.path"));
        var leaks = _spans.SelectMany(s => s.TagObjects.Select(t => $"{t.Key}={t.Value}").Append(s.DisplayName))
            .Where(e => e.Contains("telemetry-subject-7731", StringComparison.Ordinal)).ToList();
        Assert.True(leaks.Count == 0, $"the subject leaked in: {string.Join(" | ", leaks.Take(3))}");
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "telemetry (alone)";
}
