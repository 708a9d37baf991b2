using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Genlook.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Genlook.Gateway.Tests.RateLimiting;

/// <summary>CONTRACT §6 with two gateway instances sharing one real redis-server and one emulator.</summary>
public sealed partial class RateLimitingTests : IAsyncLifetime
{
    private const int ReadLimit = 6;
    private readonly RedisServer _redis = new();
    private GatewayApp _first = null!;
    private GatewayApp _second = null!;

    private static Dictionary<string, string?> Settings(string failureMode = "open") => new()
    {
        ["RateLimiting:Policies:reads:PermitLimit"] = ReadLimit.ToString(),
        ["RateLimiting:Policies:reads:Window"] = "00:01:00",
        ["RateLimiting:Policies:reads:Mode"] = "exact", // these tests hold the exact mode's guarantees; LocalModeTests the local mode's
        ["RateLimiting:Policies:tryon:PermitLimit"] = "100",
        ["RateLimiting:Policies:tryon:Window"] = "00:01:00",
        ["RateLimiting:Policies:account:PermitLimit"] = "3",
        ["RateLimiting:Policies:account:Window"] = "00:01:00",
        ["RateLimiting:FailureMode"] = failureMode,
        ["RateLimiting:BreakDuration"] = "00:00:01",
    };

    public async Task InitializeAsync()
    {
        await _redis.StartAsync();
        _first = await GatewayApp.StartAsync(_redis.ConnectionString, Settings());
        _second = await GatewayApp.StartAsync(_redis.ConnectionString, Settings(), emulator: _first.Emulator);
    }

    public async Task DisposeAsync()
    {
        await _second.DisposeAsync();
        await _first.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task ConcurrentBurstAcrossTwoInstances_AdmitsExactlyTheLimit()
    {
        var clients = new[] { _first.ClientFor("burst-user"), _second.ClientFor("burst-user") };

        var responses = await Task.WhenAll(Enumerable.Range(0, ReadLimit * 3).Select(i => clients[i % 2].GetAsync("/tryon/v1/products")));

        Assert.Equal(ReadLimit, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(ReadLimit * 2, responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests));
        Assert.Equal(ReadLimit, _first.Emulator.Requests.Matching("GET", "/tryon/v1/products").Count);
        foreach (var rejected in responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests))
        {
            await ErrorAssert.IsError(rejected, HttpStatusCode.TooManyRequests, "RATE_LIMITED");
            Assert.InRange(rejected.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 50, 60); // the burst leaves the sliding window a minute later
        }

        var other = await _second.ClientFor("someone-else").GetAsync("/tryon/v1/products");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task LimitedResponses_CarryParseableIetfHeaders()
    {
        var response = await _first.ClientFor("header-user").GetAsync("/tryon/v1/products");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var policy = PolicyHeader().Match(response.Headers.GetValues("RateLimit-Policy").Single());
        var state = StateHeader().Match(response.Headers.GetValues("RateLimit").Single());
        Assert.True(policy.Success && state.Success);
        Assert.Equal("reads", policy.Groups["name"].Value);
        Assert.Equal(ReadLimit.ToString(), policy.Groups["q"].Value);
        Assert.Equal("60", policy.Groups["w"].Value);
        Assert.Equal((ReadLimit - 1).ToString(), state.Groups["r"].Value);
    }

    [Theory]
    [InlineData("exact")]
    [InlineData("local")]
    public async Task RetryAfter_IsHonest_ARetryAfterItSucceeds(string mode)
    {
        await using var app = await GatewayApp.StartAsync(_redis.ConnectionString, new Dictionary<string, string?>
        {
            ["RateLimiting:Policies:reads:PermitLimit"] = "1",
            ["RateLimiting:Policies:reads:Window"] = "00:00:02",
            ["RateLimiting:Policies:reads:Mode"] = mode,
        });
        var client = app.ClientFor("patient-user");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/tryon/v1/products")).StatusCode);

        var rejected = await client.GetAsync("/tryon/v1/products");
        Assert.Equal(HttpStatusCode.TooManyRequests, rejected.StatusCode);
        var wait = rejected.Headers.RetryAfter!.Delta!.Value;
        await Task.Delay(wait); // the window runs on Redis's clock (TIME in the script), which no fake clock reaches

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/tryon/v1/products")).StatusCode);
    }

    [Fact]
    public async Task RetryAfter_InMemoryOnTheGatewaysClock_IsExact_RefusedASecondBeforeServedAtIt()
    {
        // Redis-less, the window runs on the gateway's TimeProvider: virtual time, so the boundary itself is tested.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await GatewayApp.StartAsync(settings: new Dictionary<string, string?>
        {
            ["RateLimiting:Policies:reads:PermitLimit"] = "1",
            ["RateLimiting:Policies:reads:Window"] = "00:00:10",
        }, services: services => services.AddSingleton<TimeProvider>(time));
        var client = app.ClientFor("patient-user");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/tryon/v1/products")).StatusCode);

        var rejected = await client.GetAsync("/tryon/v1/products");
        Assert.Equal(TimeSpan.FromSeconds(10), rejected.Headers.RetryAfter!.Delta);
        time.Advance(TimeSpan.FromSeconds(9));
        var early = await client.GetAsync("/tryon/v1/products");
        time.Advance(TimeSpan.FromSeconds(1));
        var onTime = await client.GetAsync("/tryon/v1/products");

        await ErrorAssert.IsError(early, HttpStatusCode.TooManyRequests, "RATE_LIMITED");
        Assert.Equal(TimeSpan.FromSeconds(1), early.Headers.RetryAfter!.Delta);
        Assert.Equal(HttpStatusCode.OK, onTime.StatusCode);
        Assert.Equal(2, app.Emulator.Requests.Matching("GET", "/tryon/v1/products").Count);
    }

    [Fact]
    public async Task ProbingForeignGenerationIds_IsChargedAndRateLimitedAfterTheReadsLimit()
    {
        // CONTRACT §6: the gateway's own ownership 404 is charged like any read, so enumerating ids costs budget.
        var owner = new AppSession(_first.ClientFor("owner"));
        var foreign = await owner.TryOnGenerationIdAsync(await owner.UploadImageIdAsync());
        var probers = new[] { new AppSession(_first.ClientFor("prober")), new AppSession(_second.ClientFor("prober")) };
        var ids = Enumerable.Range(0, ReadLimit * 2).Select(i => i % 3 == 0 ? foreign : $"gen_probe_{i}").ToArray();

        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < ids.Length; i++)
        {
            responses.Add(await probers[i % 2].GenerationAsync(ids[i]));
        }

        for (var i = 0; i < ReadLimit; i++)
        {
            await ErrorAssert.IsError(responses[i], HttpStatusCode.NotFound, "GENERATION_NOT_FOUND");
            Assert.Equal((ReadLimit - 1 - i).ToString(), StateHeader().Match(responses[i].Headers.GetValues("RateLimit").Single()).Groups["r"].Value);
        }

        foreach (var rejected in responses.Skip(ReadLimit))
        {
            await ErrorAssert.IsError(rejected, HttpStatusCode.TooManyRequests, "RATE_LIMITED");
        }

        await ErrorAssert.IsError(await probers[0].Client.GetAsync("/tryon/v1/products"), HttpStatusCode.TooManyRequests, "RATE_LIMITED");
        Assert.Empty(_first.Emulator.Requests.Matching("GET", "/tryon/v1/generations/" + foreign));
    }

    [Fact]
    public async Task AccountBudget_IsSharedByAllUsersOfTheAccount()
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            var app = i % 2 == 0 ? _first : _second;
            var response = await new AppSession(app.ClientFor($"shopper-{i}")).TryOnAsync(
                """{"products":[{"title":"t","images":[{"source":{"url":"https://cdn.example.com/a.jpg"}}]}],"person":{"image":{"source":{"url":"https://cdn.example.com/p.jpg"}}}}""");
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(3, _first.Emulator.Requests.Matching("POST", "/tryon/v1/try-on").Count);
    }

    [Fact]
    public async Task GenlookRateLimitsAccount_TryOnsAreHeldOnEveryInstance()
    {
        _first.Emulator.Faults.RateLimit(TimeSpan.FromSeconds(30), "/tryon/v1/try-on", times: 1);
        const string body = """{"products":[{"title":"t","images":[{"source":{"url":"https://cdn.example.com/a.jpg"}}]}],"person":{"image":{"source":{"url":"https://cdn.example.com/p.jpg"}}}}""";

        var fromGenlook = await new AppSession(_first.ClientFor("u1")).TryOnAsync(body);
        var held = await new AppSession(_second.ClientFor("u2")).TryOnAsync(body);

        await ErrorAssert.IsError(fromGenlook, HttpStatusCode.TooManyRequests, "RATE_LIMITED");
        await ErrorAssert.IsError(held, HttpStatusCode.TooManyRequests, "RATE_LIMITED");
        Assert.InRange(held.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 20, 30);
        Assert.Single(_first.Emulator.Requests.Matching("POST", "/tryon/v1/try-on"));
    }

    [Fact]
    public async Task RedisDown_FailOpen_ServesWithLocalLimiterQuickly_ThenSharesAgainWhenBack()
    {
        var client = _first.ClientFor("resilient-user");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/tryon/v1/products")).StatusCode);

        await _redis.StopAsync();
        var watch = Stopwatch.StartNew();
        var whileDown = await client.GetAsync("/tryon/v1/products");
        watch.Stop();

        Assert.Equal(HttpStatusCode.OK, whileDown.StatusCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"a dead Redis cost {watch.ElapsedMilliseconds} ms");
        var local = await Task.WhenAll(Enumerable.Range(0, ReadLimit * 2).Select(_ => client.GetAsync("/tryon/v1/products")));
        Assert.Contains(local, r => r.StatusCode == HttpStatusCode.TooManyRequests); // still limited, per instance

        await _redis.StartAsync();
        await using var probe = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        var shared = await Poll.UntilAsync(async () =>
        {
            await _first.ClientFor("back-user").GetAsync("/tryon/v1/products");
            return (await probe.GetServers()[0].KeysAsync(pattern: "*rl:*:reads").ToListAsync()).Count > 0;
        }, TimeSpan.FromSeconds(20));
        Assert.True(shared, "limits did not return to Redis");
    }

    [Fact]
    public async Task RedisDown_FailClosed_Answers503Quickly()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();
        await using var app = await GatewayApp.StartAsync(redis.ConnectionString, Settings("closed"));
        var client = app.ClientFor("strict-user");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/tryon/v1/products")).StatusCode);
        await redis.StopAsync();
        app.Emulator.Requests.Clear();

        var watch = Stopwatch.StartNew();
        var response = await client.GetAsync("/tryon/v1/products");
        watch.Stop();

        await ErrorAssert.IsError(response, HttpStatusCode.ServiceUnavailable, "STORE_UNAVAILABLE");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"a dead Redis cost {watch.ElapsedMilliseconds} ms");
        Assert.Equal(0, app.Emulator.Requests.Count);
    }

    [GeneratedRegex("""^"(?<name>[a-z]+)";q=(?<q>\d+);w=(?<w>\d+)$""")]
    private static partial Regex PolicyHeader();

    [GeneratedRegex("""^"(?<name>[a-z]+)";r=(?<r>\d+);t=(?<t>\d+)$""")]
    private static partial Regex StateHeader();
}
