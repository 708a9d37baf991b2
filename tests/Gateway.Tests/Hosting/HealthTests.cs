using System.Net;
using Genlook.Gateway.Tests.Infrastructure;

namespace Genlook.Gateway.Tests.Hosting;

public sealed class HealthTests
{
    [Fact]
    public async Task Probes_WithInMemoryStore_AreHealthyWithoutToken()
    {
        await using var app = await GatewayApp.StartAsync();
        var client = app.AnonymousClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
    }

    [Fact]
    public async Task Readiness_WhenRedisStops_IsUnavailableWhileLivenessStaysUp()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();
        await using var app = await GatewayApp.StartAsync(redis.ConnectionString);
        var client = app.AnonymousClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);

        await redis.StopAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, await Poll.UntilAsync(async () => (await client.GetAsync("/readyz")).StatusCode, HttpStatusCode.ServiceUnavailable));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
    }
}
