using System.Net;
using Genlook.Gateway.Tests.Infrastructure;

namespace Genlook.Gateway.Tests.Caching;

/// <summary>The status cache is optional (CONTRACT §4): a store that fails mid-poll never turns Genlook's answer into an error.</summary>
public sealed class StatusCacheStoreFailureTests
{
    [Fact]
    public async Task Poll_RedisHangsWhileGenlookAnswers_DeliversGenlooksAnswerUncached()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();
        await using var app = await GatewayApp.StartAsync(redis.ConnectionString);
        var alice = new AppSession(app.ClientFor("alice"));
        var id = await alice.TryOnGenerationIdAsync(await alice.UploadImageIdAsync());
        app.Emulator.Requests.Clear();
        app.Emulator.Faults.Delay(TimeSpan.FromSeconds(2), "/tryon/v1/generations/", "GET", times: 1);

        // Past the ownership check and the fetch lock (Genlook holds the poll), Redis hangs: the answer cannot be stored.
        var poll = alice.GenerationAsync(id);
        Assert.True(await Poll.UntilAsync(() => Task.FromResult(app.Emulator.Faults.Pending == 0)), "the poll never reached Genlook");
        HttpResponseMessage response;
        await using (redis.Pause())
        {
            response = await poll.WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("genlook-gateway; fwd=miss", response.Headers.GetValues("Cache-Status").Single());
        Assert.Equal(id, (await AppSession.JsonAsync(response)).GetProperty("generationId").GetString());
        Assert.Equal(200, Assert.Single(app.Emulator.Requests.Matching("GET", "/tryon/v1/generations/")).StatusCode);
    }
}
