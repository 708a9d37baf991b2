using System.Net;
using System.Text.Json;
using Genlook.Gateway.Caching;
using Genlook.Gateway.Identity;
using Genlook.Gateway.Observability;
using Genlook.Gateway.Storage;
using Genlook.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

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
    public async Task FetchLock_ReleasedLate_LeavesTheLockAnotherInstanceTookSince()
    {
        var cache = _first.Services.GetRequiredService<GenerationStatusCache>();
        var user = new GatewayUserFeature(Guid.NewGuid().ToString("N"), "default");
        var lockKey = GenerationStatusCache.Key(user, "gen_late") + ":fetching";
        await using var redis = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);

        var (fetch, token, _) = await cache.ClaimFetchAsync(user, "gen_late", TimeSpan.FromSeconds(2), CancellationToken.None);
        Assert.True(fetch);

        // Our lock expired while Genlook was slow, and another instance's poll took it.
        await redis.GetDatabase().StringSetAsync(lockKey, "another-instance", TimeSpan.FromSeconds(30));
        await cache.ReleaseFetchAsync(user, "gen_late", token);

        Assert.Equal("another-instance", (string?)await redis.GetDatabase().StringGetAsync(lockKey));
    }

    [Fact]
    public async Task ClaimFetch_OtherInstanceReleasesWithoutAnEntry_WaiterFetchesBeforeItsDeadline()
    {
        var first = _first.Services.GetRequiredService<GenerationStatusCache>();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var memory = new MemoryCache(new MemoryCacheOptions());
        var second = new GenerationStatusCache(_second.Services.GetRequiredService<IGatewayStore>(), memory, time, Options.Create(new CachingOptions()));
        var user = new GatewayUserFeature(Guid.NewGuid().ToString("N"), "default");
        var (leads, token, _) = await first.ClaimFetchAsync(user, "gen_uncacheable", TimeSpan.FromSeconds(2), CancellationToken.None);
        Assert.True(leads);
        var waiting = second.ClaimFetchAsync(user, "gen_uncacheable", TimeSpan.FromSeconds(2), CancellationToken.None);

        // The first instance's answer could not be cached (Genlook failed, or PendingTtl is zero): it frees the lock, stores nothing.
        await first.ReleaseFetchAsync(user, "gen_uncacheable", token);

        // Well before the waiter's 2 s deadline, it must notice that nothing is coming and ask for itself.
        var advanced = TimeSpan.Zero;
        var done = await Poll.UntilAsync(() =>
        {
            if (advanced < TimeSpan.FromSeconds(1))
            {
                time.Advance(TimeSpan.FromMilliseconds(25));
                advanced += TimeSpan.FromMilliseconds(25);
            }

            return Task.FromResult(waiting.IsCompleted);
        });
        Assert.True(done, "the waiter kept waiting for an entry the other instance will never store");
        var (fetch, waiterToken, entry) = await waiting;
        Assert.True(fetch);
        Assert.Null(entry);
        Assert.NotNull(waiterToken); // it leads now: a third instance's poll waits for its answer
        await second.ReleaseFetchAsync(user, "gen_uncacheable", waiterToken);
    }

    [Fact]
    public async Task PollWithHugeUpstreamBody_IsStreamedToTheApp_NotHeldWholeInMemory()
    {
        var alice = new AppSession(_first.ClientFor("gina"));
        var id = await alice.TryOnGenerationIdAsync(await alice.UploadImageIdAsync());
        // A body far over what the cache keeps; Genlook then sends nothing more, as a slow or broken upstream would.
        var body = $$"""{"id":"{{id}}","status":"PROCESSING","padding":"{{new string('x', 4 * 1024 * 1024)}}"}""";
        _first.Emulator.Faults.Respond(200, body, ending: Genlook.Emulator.ResponseEnding.StallMidBody, pathPrefix: "/tryon/v1/generations/", method: "GET", times: 1);
        _first.ValidateResponses = false; // the body never ends (and is no Generation): it is read as a stream, not checked

        using var leaving = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await alice.Client.GetAsync($"/tryon/v1/generations/{id}", HttpCompletionOption.ResponseHeadersRead, leaving.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("genlook-gateway; fwd=miss", response.Headers.GetValues("Cache-Status").Single());
        await using var stream = await response.Content.ReadAsStreamAsync(leaving.Token);
        var received = new byte[body.Length];
        await stream.ReadExactlyAsync(received, leaving.Token);
        Assert.Equal(body, System.Text.Encoding.UTF8.GetString(received));
        await leaving.CancelAsync();
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
        Assert.False(bob.Headers.Contains("Cache-Status"), "a stranger's 404 must not tell that the generation is cached");
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
    public async Task ConcurrentPolls_FirstPollerLeavesWhileGenlookIsSlow_TheOtherStillGets200()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();
        StatusReadCounter? reads = null;
        await using var app = await GatewayApp.StartAsync(redis.ConnectionString, services: services =>
            services.AddSingleton<IGatewayStore>(sp => reads = new StatusReadCounter(
                ActivatorUtilities.CreateInstance<RedisGatewayStore>(sp))));
        var alice = new AppSession(app.ClientFor("frank"));
        var id = await alice.TryOnGenerationIdAsync(await alice.UploadImageIdAsync());
        app.Emulator.Requests.Clear();
        app.Emulator.Faults.Delay(TimeSpan.FromSeconds(2), "/tryon/v1/generations/", "GET", times: 1);

        // The first poll misses the cache and leads the flight; the second misses after it, so it follows (each poll
        // reads the status key once before it leads or follows). Then the first poller goes away.
        using var leaving = new CancellationTokenSource();
        var first = alice.Client.GetAsync($"/tryon/v1/generations/{id}", leaving.Token);
        Assert.True(await Poll.UntilAsync(() => Task.FromResult(reads!.Count == 1)), "the first poll never read the cache");
        var second = alice.GenerationAsync(id);
        Assert.True(await Poll.UntilAsync(() => Task.FromResult(reads!.Count == 2)), "the second poll never read the cache");
        await leaving.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        var response = await second;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("fwd=miss", response.Headers.GetValues("Cache-Status").Single(), StringComparison.Ordinal);
        Assert.Contains(app.Emulator.Requests.Matching("GET", "/tryon/v1/generations/"), r => r.StatusCode == 200);
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

    [Theory]
    [InlineData("COMPLETED", 3600, 300)]
    [InlineData("FAILED", 3600, 300)]
    [InlineData("COMPLETED", 120, 90)]
    [InlineData("PROCESSING", 3600, 2)]
    [InlineData("PENDING", 3600, 2)]
    public void Lifetime_ConfiguredTtls_BoundTheEntryWithTheUrlsExpiry(string status, int urlValiditySeconds, int expectedSeconds)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero));
        using var memory = new MemoryCache(new MemoryCacheOptions());
        var options = new CachingOptions { TerminalTtl = TimeSpan.FromMinutes(5), PendingTtl = TimeSpan.FromSeconds(2), UrlSafetyMargin = TimeSpan.FromSeconds(30) };
        var cache = new GenerationStatusCache(_first.Services.GetRequiredService<IGatewayStore>(), memory, time, Options.Create(options));
        var url = $"https://storage.googleapis.com/b/o.png?X-Goog-Date=20261124T100000Z&X-Goog-Expires={urlValiditySeconds}&X-Goog-Signature=ab";
        var body = JsonSerializer.SerializeToUtf8Bytes(new { id = "gen_1", status, resultImageUrl = url });

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), cache.Lifetime(body));
    }

    [Theory]
    [InlineData("COMPLETED", "https://cdn.example.com/o.png?X-Goog-Date=99991231T235959Z&X-Goog-Expires=900")]
    [InlineData("COMPLETED", "https://cdn.example.com/o.png?Expires=99999999999999")]
    [InlineData("COMPLETED", "https://cdn.example.com/o.png?X-Goog-Date=garbage&X-Goog-Expires=10")]
    [InlineData("FAILED", "https://cdn.example.com/o.png?X-Amz-Date=20261124T100000Z&X-Amz-Expires=-1")]
    public void Lifetime_TerminalStatusWithUnreadableUrlExpiry_IsNotCached(string status, string url)
    {
        var cache = _first.Services.GetRequiredService<GenerationStatusCache>();
        var body = JsonSerializer.SerializeToUtf8Bytes(new { id = "gen_1", status, resultImageUrl = url });

        Assert.True(cache.Lifetime(body) <= TimeSpan.Zero);
    }

    /// <summary>The real Redis store, counting reads of status entries: a poll that reads one has missed L1 and is about to lead or follow.</summary>
    private sealed class StatusReadCounter(RedisGatewayStore inner) : IGatewayStore, IAsyncDisposable
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public async Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
        {
            var value = await inner.GetAsync(key, cancellationToken);
            if (key.Contains(":status:", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _count);
            }

            return value;
        }

        public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) => inner.ExistsAsync(key, cancellationToken);

        public Task SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default) =>
            inner.SetAsync(key, value, timeToLive, cancellationToken);

        public Task<bool> SetIfAbsentAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default) =>
            inner.SetIfAbsentAsync(key, value, timeToLive, cancellationToken);

        public Task SetIndexedAsync(string indexKey, string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default) =>
            inner.SetIndexedAsync(indexKey, key, value, timeToLive, cancellationToken);

        public Task<IReadOnlyList<string>> GetIndexAsync(string indexKey, CancellationToken cancellationToken = default) => inner.GetIndexAsync(indexKey, cancellationToken);

        public Task<long> DeleteAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default) => inner.DeleteAsync(keys, cancellationToken);

        public Task<TimeSpan> PingAsync(CancellationToken cancellationToken = default) => inner.PingAsync(cancellationToken);

        public Task<bool> SetIfHeldAsync(string lockKey, ReadOnlyMemory<byte> owner, string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default) =>
            inner.SetIfHeldAsync(lockKey, owner, key, value, timeToLive, cancellationToken);

        public Task<bool> ExtendIfHeldAsync(string key, ReadOnlyMemory<byte> owner, TimeSpan timeToLive, CancellationToken cancellationToken = default) =>
            inner.ExtendIfHeldAsync(key, owner, timeToLive, cancellationToken);

        public Task<bool> DeleteIfHeldAsync(string key, ReadOnlyMemory<byte> owner, CancellationToken cancellationToken = default) =>
            inner.DeleteIfHeldAsync(key, owner, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
