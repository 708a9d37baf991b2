using System.Net;
using System.Text.Json;
using Genlook.Gateway.Tests.Infrastructure;

namespace Genlook.Gateway.Tests.Caching;

/// <summary>CONTRACT §7 with two instances on one real redis-server: polls cost Genlook almost nothing, never an expired URL.</summary>
public sealed class StatusCacheTests : IAsyncLifetime
{
    private readonly RedisServer _redis = new();
    private GatewayApp _first = null!;
    private GatewayApp _second = null!;

    public async Task InitializeAsync()
    {
        await _redis.StartAsync();
        var settings = new Dictionary<string, string?> { ["RateLimiting:Policies:reads:PermitLimit"] = "100000", ["Caching:PendingTtl"] = "00:00:01" };
        _first = await GatewayApp.StartAsync(_redis.ConnectionString, settings);
        _second = await GatewayApp.StartAsync(_redis.ConnectionString, settings, emulator: _first.Emulator);
    }

    public async Task DisposeAsync()
    {
        await _second.DisposeAsync();
        await _first.DisposeAsync();
        await _redis.DisposeAsync();
    }

    private async Task<string> CompletedGenerationAsync(AppSession session)
    {
        var id = await session.TryOnGenerationIdAsync(await session.UploadImageIdAsync());
        var done = await Poll.UntilAsync(async () =>
        {
            var r = await session.GenerationAsync(id);
            return (await AppSession.JsonAsync(r)).GetProperty("status").GetString() == "COMPLETED";
        }, TimeSpan.FromSeconds(15));
        Assert.True(done);
        return id;
    }

    [Fact]
    public async Task PollThatGenlookFails_IsUpstreamUnavailable_AndKeepsRateLimitAndCacheStatusHeaders()
    {
        var alice = new AppSession(_first.ClientFor("alice"));
        var id = await alice.TryOnGenerationIdAsync(await alice.UploadImageIdAsync());
        _first.Emulator.Faults.ResetConnection("/tryon/v1/generations/", "GET", times: 1);

        var response = await alice.GenerationAsync(id);

        await ErrorAssert.IsError(response, HttpStatusCode.BadGateway, "UPSTREAM_UNAVAILABLE");
        Assert.StartsWith("\"reads\";", response.Headers.GetValues("RateLimit").Single(), StringComparison.Ordinal);
        Assert.StartsWith("\"reads\";", response.Headers.GetValues("RateLimit-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("genlook-gateway; fwd=miss", response.Headers.GetValues("Cache-Status").Single());
    }

    [Fact]
    public async Task TerminalGeneration_PolledHundredTimesOnTwoInstances_CostsAtMostOneGenlookGet()
    {
        var alice = new AppSession(_first.ClientFor("alice"));
        var aliceOnSecond = new AppSession(_second.ClientFor("alice"));
        var id = await CompletedGenerationAsync(alice);
        _first.Emulator.Requests.Clear();

        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 100; i++)
        {
            responses.Add(await (i % 2 == 0 ? alice : aliceOnSecond).GenerationAsync(id));
        }

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.True(_first.Emulator.Requests.Matching("GET", "/tryon/v1/generations/").Count <= 1);
        Assert.All(responses, r => Assert.StartsWith("genlook-gateway; hit", r.Headers.GetValues("Cache-Status").Single()));
        var body = await AppSession.JsonAsync(responses[^1]);
        Assert.Equal("COMPLETED", body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task CacheHit_NeverBypassesOwnership()
    {
        var alice = new AppSession(_first.ClientFor("alice"));
        var id = await CompletedGenerationAsync(alice);

        var bob = await new AppSession(_second.ClientFor("bob")).GenerationAsync(id);

        await ErrorAssert.IsError(bob, HttpStatusCode.NotFound, "GENERATION_NOT_FOUND");
    }

    [Fact]
    public async Task PendingGeneration_ConcurrentPolls_MakeOneUpstreamCallPerInstance()
    {
        var alice = new AppSession(_first.ClientFor("alice"));
        var id = await alice.TryOnGenerationIdAsync(await alice.UploadImageIdAsync());
        _first.Emulator.Requests.Clear();
        _first.Emulator.Faults.Delay(TimeSpan.FromMilliseconds(500), "/tryon/v1/generations/", "GET");

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => alice.GenerationAsync(id)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Single(_first.Emulator.Requests.Matching("GET", "/tryon/v1/generations/"));
        Assert.Single(responses, r => r.Headers.GetValues("Cache-Status").Single().Contains("fwd=miss", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PendingGeneration_ConcurrentPollsOnTwoInstances_MakeOneUpstreamCall()
    {
        var alice = new AppSession(_first.ClientFor("erin"));
        var aliceOnSecond = new AppSession(_second.ClientFor("erin"));
        var id = await alice.TryOnGenerationIdAsync(await alice.UploadImageIdAsync());
        _first.Emulator.Requests.Clear();
        _first.Emulator.Faults.Delay(TimeSpan.FromMilliseconds(500), "/tryon/v1/generations/", "GET");

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => (i % 2 == 0 ? alice : aliceOnSecond).GenerationAsync(id)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Single(_first.Emulator.Requests.Matching("GET", "/tryon/v1/generations/"));
    }

    [Fact]
    public async Task PendingStatus_IsCachedForPendingTtlOnly()
    {
        _first.Emulator.Faults.Clear();
        var alice = new AppSession(_first.ClientFor("carol"));
        var id = await alice.TryOnGenerationIdAsync(await alice.UploadImageIdAsync());
        _first.Emulator.Requests.Clear();

        var first = await alice.GenerationAsync(id);
        var second = await alice.GenerationAsync(id);

        Assert.Contains("fwd=miss", first.Headers.GetValues("Cache-Status").Single(), StringComparison.Ordinal);
        Assert.Contains("hit", second.Headers.GetValues("Cache-Status").Single(), StringComparison.Ordinal);
        var refreshed = await Poll.UntilAsync(async () =>
            (await alice.GenerationAsync(id)).Headers.GetValues("Cache-Status").Single().Contains("fwd=miss", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        Assert.True(refreshed, "a pending status outlived Caching:PendingTtl");
    }

    [Fact]
    public async Task TerminalStatus_WithShortLivedSignedUrl_IsNeverServedExpired()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();
        await using var app = await GatewayApp.StartAsync(redis.ConnectionString,
            new Dictionary<string, string?> { ["Caching:UrlSafetyMargin"] = "00:00:00" },
            emulatorOptions: o => o.ResultUrlLifetime = TimeSpan.FromSeconds(2));
        var alice = new AppSession(app.ClientFor("dave"));
        var id = await CompletedGenerationAsync(alice);

        var cached = await alice.GenerationAsync(id);
        var status = cached.Headers.GetValues("Cache-Status").Single();
        Assert.Contains("hit", status, StringComparison.Ordinal);
        Assert.Matches("ttl=[0-2]$", status);

        var renewed = await Poll.UntilAsync(async () =>
            (await alice.GenerationAsync(id)).Headers.GetValues("Cache-Status").Single().Contains("fwd=miss", StringComparison.Ordinal), TimeSpan.FromSeconds(6));
        Assert.True(renewed, "the cache outlived the result URL's signature");
        var url = (await AppSession.JsonAsync(await alice.GenerationAsync(id))).GetProperty("resultImageUrl").GetString();
        using var direct = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await direct.GetAsync(url)).StatusCode);
    }
}
