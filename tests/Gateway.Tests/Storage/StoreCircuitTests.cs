using System.Diagnostics;
using System.Net;
using Genlook.Gateway.Tests.Infrastructure;
using StackExchange.Redis;

namespace Genlook.Gateway.Tests.Storage;

/// <summary>
/// A Redis that hangs with its connection up (CLIENT PAUSE): the store's checks answer <c>503 STORE_UNAVAILABLE</c>,
/// and after the first call times out the others fail at once instead of each waiting for the timeout (issue 7: a
/// dead Redis must not add more than about 100 ms to a request). Redis back: served again.
/// </summary>
public sealed class StoreCircuitTests : IAsyncLifetime
{
    private readonly RedisServer _redis = new();
    private GatewayApp _app = null!;

    public async Task InitializeAsync()
    {
        await _redis.StartAsync();
        _app = await GatewayApp.StartAsync(_redis.ConnectionString, new Dictionary<string, string?>
        {
            ["RateLimiting:Policies:tryon:PermitLimit"] = "10000",
            ["RateLimiting:Policies:account:PermitLimit"] = "10000",
        });
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task HungRedis_OneCallWaitsForTheTimeout_TheNextFailAtOnce_ThenRecovers()
    {
        var alice = new AppSession(_app.ClientFor("alice"));
        var imageId = await alice.UploadImageIdAsync();
        string TryOn() => """{"products":[{"externalId":"shirt-42","title":"Red tee","images":[{"source":{"url":"https://cdn.example.com/a.jpg"}}]}],"person":{"image":{"source":{"id":"__ID__"}}}}""".Replace("__ID__", imageId, StringComparison.Ordinal);

        // Every command from every other client waits until the pause ends; the connection stays up.
        await using (var admin = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString + ",allowAdmin=true"))
        {
            await admin.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", "4000", "ALL");
        }

        // The image ownership check is a store call on every try-on (no in-process memory of it).
        var first = await alice.TryOnAsync(TryOn());
        await ErrorAssert.IsError(first, HttpStatusCode.ServiceUnavailable, "STORE_UNAVAILABLE");

        var watch = Stopwatch.StartNew();
        var next = await alice.TryOnAsync(TryOn());
        var elapsed = watch.Elapsed;
        await ErrorAssert.IsError(next, HttpStatusCode.ServiceUnavailable, "STORE_UNAVAILABLE");
        Assert.True(elapsed < TimeSpan.FromMilliseconds(500), $"the second call waited {elapsed.TotalMilliseconds:0} ms (the timeout is 1000 ms)");
        Assert.Empty(_app.Emulator.Requests.Matching("POST", "/tryon/v1/try-on"));

        var last = "";
        var recovered = await Poll.UntilAsync(async () =>
        {
            var response = await alice.TryOnAsync(TryOn());
            last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            return response.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(15));
        Assert.True(recovered, "after the pause: " + last);
    }
}
