using System.Net;
using Genlook.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Genlook.Gateway.Tests.Hosting;

/// <summary>A stopping instance (a rolling update, a scale-in) finishes what it started before it goes.</summary>
[Collection(RedisCollection.Name)]
public sealed class GracefulShutdownTests(RedisServer redis)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Stop_WithRequestInFlightAtGenlook_CompletesTheRequestThenStops(bool withRedis)
    {
        await using var app = await GatewayApp.StartAsync(withRedis ? redis.ConnectionString : null, kestrel: true);
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lifetime.ApplicationStopped.Register(() => stopped.TrySetResult());
        app.Emulator.Faults.Delay(TimeSpan.FromSeconds(2), "/tryon/v1/products", times: 1);

        var inFlight = app.ClientFor("alice").GetAsync("/tryon/v1/products");
        Assert.True(await Poll.UntilAsync(() => Task.FromResult(app.Emulator.Faults.Pending == 0)), "the request did not reach Genlook");
        lifetime.StopApplication();
        var response = await inFlight.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"items\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await stopped.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
