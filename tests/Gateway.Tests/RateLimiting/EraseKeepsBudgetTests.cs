using System.Net;
using Genlook.Gateway.Identity;
using Genlook.Gateway.RateLimiting;
using Genlook.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Genlook.Gateway.Tests.RateLimiting;

/// <summary>CONTRACT §6: a user's own erase does not give them a fresh budget; limiter state expires with its window.</summary>
public sealed class EraseKeepsBudgetTests
{
    private const string TryOn = """{"products":[{"title":"t","images":[{"source":{"url":"https://cdn.example.com/a.jpg"}}]}],"person":{"image":{"source":{"url":"https://cdn.example.com/p.jpg"}}}}""";

    private static Dictionary<string, string?> Settings() => new()
    {
        ["RateLimiting:Policies:reads:PermitLimit"] = "3",
        ["RateLimiting:Policies:tryon:PermitLimit"] = "2",
        ["Gdpr:PollInterval"] = "00:00:00.100",
    };

    [Fact]
    public async Task EraseMe_TwoInstancesSharingRedis_SpentTryOnAndReadsBudgetsStaySpent()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();
        await using var first = await GatewayApp.StartAsync(redis.ConnectionString, Settings());
        await using var second = await GatewayApp.StartAsync(redis.ConnectionString, Settings(), emulator: first.Emulator);

        await SpendEraseAndAssertStillSpentAsync(first, second);

        // Kept, not forgotten: the logs still exist and expire with their window.
        var limiterKeys = (await redis.DumpAsync()).Keys.Where(k => k.Contains(":rl:", StringComparison.Ordinal) && !k.EndsWith(":rl:account", StringComparison.Ordinal)).ToList();
        Assert.Contains(limiterKeys, k => k.Contains(":rl:tryon:", StringComparison.Ordinal));
        Assert.Contains(limiterKeys, k => k.EndsWith(":reads", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EraseMe_InMemoryStore_SpentTryOnAndReadsBudgetsStaySpent()
    {
        await using var app = await GatewayApp.StartAsync(settings: Settings());

        await SpendEraseAndAssertStillSpentAsync(app, app);
    }

    private static async Task SpendEraseAndAssertStillSpentAsync(GatewayApp first, GatewayApp second)
    {
        var onFirst = new AppSession(first.ClientFor("erasing-user"));
        var onSecond = new AppSession(second.ClientFor("erasing-user"));
        Assert.Equal(HttpStatusCode.OK, (await onFirst.TryOnAsync(TryOn)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await onSecond.TryOnAsync(TryOn)).StatusCode);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await (i % 2 == 0 ? onFirst : onSecond).Client.GetAsync("/tryon/v1/products")).StatusCode);
        }

        // reads is a local policy: each instance knows the cluster-wide count within a sync interval (with Redis).
        var readsKey = RateLimitKeys.UserPolicy(new GatewayUserFeature(TestTokens.PseudonymOf("erasing-user"), "default"), RateLimitPolicies.Reads);
        foreach (var app in new[] { first, second })
        {
            if (app.Services.GetService<LocalRateLimiter>() is { } limiter)
            {
                Assert.True(await Poll.UntilAsync(() => Task.FromResult(limiter.KnownCount(readsKey) >= 3), TimeSpan.FromSeconds(10)));
            }
        }

        var erase = await onFirst.Client.DeleteAsync("/gdpr/me");
        Assert.Equal(HttpStatusCode.Accepted, erase.StatusCode);
        var location = erase.Headers.Location!.ToString();
        Assert.True(await Poll.UntilAsync(async () =>
            (await AppSession.JsonAsync(await onFirst.Client.GetAsync(location))).GetProperty("status").GetString() == "Completed", TimeSpan.FromSeconds(15)));
        var customer = first.Emulator.Requests.Matching("POST", "/tryon/v1/try-on")[0].JsonBody!;
        Assert.Equal(TestTokens.PseudonymOf("erasing-user"), System.Text.Json.JsonDocument.Parse(customer).RootElement.GetProperty("externalUserId").GetString());
        Assert.Contains(TestTokens.PseudonymOf("erasing-user"), first.Emulator.State.DeletedCustomers);

        foreach (var session in (AppSession[])[onFirst, onSecond])
        {
            await ErrorAssert.IsError(await session.TryOnAsync(TryOn), HttpStatusCode.TooManyRequests, "RATE_LIMITED");
            await ErrorAssert.IsError(await session.Client.GetAsync("/tryon/v1/products"), HttpStatusCode.TooManyRequests, "RATE_LIMITED");
        }

        Assert.Equal(2, first.Emulator.Requests.Matching("POST", "/tryon/v1/try-on").Count);
        Assert.Equal(3, first.Emulator.Requests.Matching("GET", "/tryon/v1/products").Count);
    }
}
