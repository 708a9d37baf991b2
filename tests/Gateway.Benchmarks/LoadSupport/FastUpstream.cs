using System.Globalization;
using System.Text;

namespace Genlook.Gateway.Benchmarks.LoadSupport;

/// <summary>
/// A Genlook stand-in that answers at once, so load measures the proxies and not the upstream: the routes the
/// scenarios use, fixed small bodies, request bodies drained. The emulator validates and records every request,
/// which is right for tests and wrong for a throughput baseline.
/// </summary>
public static class FastUpstream
{
    private static readonly byte[] Product = """{"externalId":"shirt-42","title":"Red tee","description":null,"images":[{"sourceUrl":"https://cdn.example.com/a.jpg","order":0}],"validForDays":null}"""u8.ToArray();
    private static readonly byte[] Upload = """{"imageId":"retention-7d/acc_bench/customer/20261124-0000.jpeg"}"""u8.ToArray();
    private static long _generations;

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(LoadTokens.Argument(args, "--urls") ?? "http://127.0.0.1:5190");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = null);
        var app = builder.Build();

        app.MapGet("/tryon/v1/products/{id}", (HttpContext c) => Json(c, Product));
        app.MapGet("/tryon/v1/generations/{id}", (HttpContext c, string id) =>
        {
            // A signed URL valid for an hour: the gateway may cache the COMPLETED status.
            var date = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
            var body = $$"""{"generationId":"{{id}}","status":"COMPLETED","productExternalId":"shirt-42","createdAt":"2026-11-24T00:00:00.000Z","resultImageUrl":"https://storage.example.com/r/{{id}}.png?X-Goog-Date={{date}}&X-Goog-Expires=3600&X-Goog-Signature=00"}""";
            return Json(c, Encoding.UTF8.GetBytes(body));
        });
        app.MapPost("/tryon/v1/try-on", async (HttpContext c) =>
        {
            await Drain(c);
            var id = "gen_bench_" + Interlocked.Increment(ref _generations).ToString(CultureInfo.InvariantCulture);
            await Json(c, Encoding.UTF8.GetBytes($$"""{"generationId":"{{id}}","status":"PENDING","productExternalId":"shirt-42"}"""));
        });
        app.MapPost("/tryon/v1/images/upload", async (HttpContext c) =>
        {
            await Drain(c);
            await Json(c, Upload);
        });

        await app.RunAsync();
        return 0;
    }

    private static Task Json(HttpContext context, byte[] body)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body).AsTask();
    }

    private static async Task Drain(HttpContext context)
    {
        var buffer = new byte[64 * 1024];
        while (await context.Request.Body.ReadAsync(buffer) > 0)
        {
        }
    }
}
