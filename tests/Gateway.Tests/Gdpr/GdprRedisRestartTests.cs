using System.Net;
using Genlook.Gateway.Tests.Infrastructure;

namespace Genlook.Gateway.Tests.Gdpr;

/// <summary>
/// Redis restarted without persistence: the GDPR stream and its consumer group are gone with the data. The worker makes
/// them again instead of failing every pass on <c>NOGROUP</c>, so an erase accepted afterwards is worked.
/// </summary>
public sealed class GdprRedisRestartTests
{
    [Fact]
    public async Task RedisRestartedEmpty_EraseAcceptedAfterwards_Completes()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();
        await using var app = await GatewayApp.StartAsync(redis.ConnectionString, new Dictionary<string, string?> { ["Gdpr:PollInterval"] = "00:00:00.100" });
        var me = app.ClientFor("restarted-" + Guid.NewGuid().ToString("N"));
        var before = await me.DeleteAsync("/gdpr/me");
        Assert.Equal(HttpStatusCode.Accepted, before.StatusCode);
        Assert.True(await Poll.UntilAsync(async () => await StatusAsync(me, before.Headers.Location!.ToString()) == "Completed", TimeSpan.FromSeconds(15)));

        await redis.StopAsync();
        await redis.StartAsync();
        Assert.True(await Poll.UntilAsync(async () => (await app.AnonymousClient().GetAsync("/readyz")).IsSuccessStatusCode, TimeSpan.FromSeconds(15)));
        var after = await me.DeleteAsync("/gdpr/me");

        Assert.Equal(HttpStatusCode.Accepted, after.StatusCode);
        var location = after.Headers.Location!.ToString();
        Assert.True(await Poll.UntilAsync(async () => await StatusAsync(me, location) == "Completed", TimeSpan.FromSeconds(15)), await StatusAsync(me, location));
    }

    private static async Task<string?> StatusAsync(HttpClient client, string location)
    {
        var response = await client.GetAsync(location);
        return response.StatusCode == HttpStatusCode.OK ? (await AppSession.JsonAsync(response)).GetProperty("status").GetString() : $"{(int)response.StatusCode}";
    }
}
