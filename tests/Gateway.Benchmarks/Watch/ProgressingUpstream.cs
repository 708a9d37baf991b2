using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Genlook.Gateway.Benchmarks.Watch;

/// <summary>
/// Genlook for the watch scenario: a try-on creates a generation that is PENDING for the first third of its lifetime,
/// PROCESSING until its end, then COMPLETED; every status GET is counted per generation, with the time of the first
/// GET and of the first COMPLETED answer, so the harness can say how often Genlook was asked per poll interval.
/// </summary>
internal sealed class ProgressingUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Generation> _generations = new();
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private long _next;

    private ProgressingUpstream(WebApplication app, TimeSpan lifetime)
    {
        _app = app;
        app.MapPost("/tryon/v1/try-on", async (HttpContext c) =>
        {
            await c.Request.Body.CopyToAsync(Stream.Null);
            // Unique across runs: a run on the same Redis must not find the last run's final statuses in the cache.
            var id = "gen_watch_" + _run + "_" + Interlocked.Increment(ref _next).ToString(CultureInfo.InvariantCulture);
            _generations[id] = new Generation(DateTime.UtcNow);
            await Json(c, $$"""{"generationId":"{{id}}","status":"PENDING","productExternalId":"shirt-42"}""");
        });
        app.MapGet("/tryon/v1/generations/{id}", (HttpContext c, string id) =>
        {
            if (!_generations.TryGetValue(id, out var generation))
            {
                c.Response.StatusCode = 404;
                return Json(c, """{"code":"GENERATION_NOT_FOUND","message":"No such generation.","status":404}""");
            }

            var now = DateTime.UtcNow;
            var age = now - generation.CreatedAt;
            var status = age < lifetime / 3 ? "PENDING" : age < lifetime ? "PROCESSING" : "COMPLETED";
            generation.Count(now, status == "COMPLETED");
            var date = now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
            var result = status == "COMPLETED" ? ",\"resultImageUrl\":\"https://storage.example.com/r/" + id + ".png?X-Goog-Date=" + date + "&X-Goog-Expires=3600&X-Goog-Signature=00\"" : string.Empty;
            return Json(c, $$"""{"generationId":"{{id}}","status":"{{status}}","productExternalId":"shirt-42","createdAt":"2026-11-24T00:00:00.000Z"{{result}}}""");
        });
    }

    public Uri Url { get; private set; } = null!;

    public static async Task<ProgressingUpstream> StartAsync(TimeSpan lifetime)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var upstream = new ProgressingUpstream(builder.Build(), lifetime);
        await upstream._app.StartAsync();
        upstream.Url = new Uri(upstream._app.Urls.First());
        return upstream;
    }

    /// <summary>GETs of the generation per poll interval, over the span from its first GET to its first COMPLETED answer.</summary>
    public double GetsPerInterval(string id, TimeSpan interval)
    {
        var generation = _generations[id];
        lock (generation)
        {
            var span = (generation.CompletedAt ?? DateTime.UtcNow) - (generation.FirstGet ?? DateTime.UtcNow);
            return generation.Gets / Math.Max(1, Math.Ceiling(span / interval));
        }
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private static Task Json(HttpContext context, string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.ContentLength = bytes.Length;
        return context.Response.Body.WriteAsync(bytes).AsTask();
    }

    private sealed class Generation(DateTime createdAt)
    {
        public DateTime CreatedAt { get; } = createdAt;

        public DateTime? FirstGet { get; private set; }

        public DateTime? CompletedAt { get; private set; }

        public int Gets { get; private set; }

        public void Count(DateTime now, bool completed)
        {
            lock (this)
            {
                Gets++;
                FirstGet ??= now;
                if (completed)
                {
                    CompletedAt ??= now;
                }
            }
        }
    }
}
