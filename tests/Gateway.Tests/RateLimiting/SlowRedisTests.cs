using System.Net;
using Genlook.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using StackExchange.Redis;

namespace Genlook.Gateway.Tests.RateLimiting;

/// <summary>
/// Issue 21 item 8: a Redis that stalls (SIGSTOP) with its connections up. One late call must not send an instance to
/// its fallback for the whole break, and while the fallback decides, both instances together stay within the
/// documented bound: S + Σ ceil((limit - k_i) / N), far below the N × limit of a fallback that starts from zero.
/// </summary>
public sealed class SlowRedisTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Limit = 25;
    private readonly RedisServer _redis = new();

    private static Dictionary<string, string?> Settings() => new()
    {
        ["RateLimiting:Policies:reads:PermitLimit"] = Limit.ToString(),
        ["RateLimiting:Policies:reads:Window"] = "00:01:00",
        ["RateLimiting:Policies:reads:Mode"] = "exact", // the exact mode's fallback; LocalModeTests covers the local mode without Redis
        ["RateLimiting:InstanceHeartbeat"] = "00:00:00.100",
        ["RateLimiting:BreakDuration"] = "00:00:05",
    };

    public Task InitializeAsync() => _redis.StartAsync();

    public Task DisposeAsync() => _redis.DisposeAsync();

    [Fact]
    public async Task OneCallOverTheBudget_NextRequestIsDecidedByRedisAgain()
    {
        await using var app = await GatewayApp.StartAsync(_redis.ConnectionString, Settings());
        await using var probe = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        var client = app.ClientFor("patient-user");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/tryon/v1/products")).StatusCode);
        var key = (await probe.GetServers()[0].KeysAsync(pattern: "*rl:*:reads").ToListAsync()).Single();

        await _redis.PauseAsync();
        HttpResponseMessage late;
        try
        {
            late = await client.GetAsync("/tryon/v1/products"); // its call outlives the 50 ms budget: the fallback serves it
        }
        finally
        {
            await _redis.ResumeAsync();
        }

        // Redis runs the late call once it resumes (open mode keeps that admission): two in the shared log.
        Assert.Equal(HttpStatusCode.OK, late.StatusCode);
        Assert.True(await Poll.UntilAsync(async () => await probe.GetDatabase().SortedSetLengthAsync(key) == 2, TimeSpan.FromSeconds(10)));

        var next = await client.GetAsync("/tryon/v1/products");

        // Decided by Redis, not by the fallback for the next BreakDuration: its admission is in the shared log.
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal(3, await probe.GetDatabase().SortedSetLengthAsync(key));
        Assert.Contains($"\"reads\";r={Limit - 3};", next.Headers.GetValues("RateLimit").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RedisPausedDuringABurstOnTwoInstances_AdmitsWithinTheDocumentedBound()
    {
        await using var first = await GatewayApp.StartAsync(_redis.ConnectionString, Settings());
        await using var second = await GatewayApp.StartAsync(_redis.ConnectionString, Settings(), emulator: first.Emulator);
        await WaitForLiveInstancesAsync(first, second);
        var clients = new[] { first.ClientFor("bursty-user"), second.ClientFor("bursty-user") };

        // Spent through Redis first: each instance hears the shared count with its own decisions.
        const int spent = 10;
        for (var i = 0; i < spent; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await clients[i % 2].GetAsync("/tryon/v1/products")).StatusCode);
        }

        HttpResponseMessage[] burst;
        await _redis.PauseAsync();
        try
        {
            burst = await Task.WhenAll(Enumerable.Range(0, 4 * Limit).Select(i => clients[i % 2].GetAsync("/tryon/v1/products")));
        }
        finally
        {
            await _redis.ResumeAsync();
        }

        // The first instance last heard k = 9 (its own 5th admission), the second k = 10, and N = 2: the bound is
        // S + Σ ceil((limit - k_i) / N) = 10 + ceil(16 / 2) + ceil(15 / 2) = 26. A fallback from zero admitted 60.
        const int bound = spent + (Limit - (spent - 1) + 1) / 2 + (Limit - spent + 1) / 2;
        var admitted = spent + burst.Count(r => r.StatusCode == HttpStatusCode.OK);
        output.WriteLine($"admitted {admitted} of limit {Limit} (bound {bound})");
        Assert.All(burst, r => Assert.Contains(r.StatusCode, (HttpStatusCode[])[HttpStatusCode.OK, HttpStatusCode.TooManyRequests]));
        Assert.InRange(admitted, spent + 1, bound);
        Assert.Equal(admitted, first.Emulator.Requests.Matching("GET", "/tryon/v1/products").Count);
    }

    /// <summary>Both instances have read from Redis that there are two of them.</summary>
    private static async Task WaitForLiveInstancesAsync(params GatewayApp[] apps) =>
        Assert.True(await Poll.UntilAsync(
            () => Task.FromResult(apps.All(app => app.Services.GetRequiredService<Gateway.RateLimiting.LiveInstances>().Count == apps.Length)),
            TimeSpan.FromSeconds(10)));
}
