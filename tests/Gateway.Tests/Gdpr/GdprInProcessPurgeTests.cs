using System.Net;
using Genlook.Gateway.Caching;
using Genlook.Gateway.Gdpr;
using Genlook.Gateway.Identity;
using Genlook.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace Genlook.Gateway.Tests.Gdpr;

/// <summary>
/// CONTRACT §8 "purges everything the gateway holds" includes what each instance keeps in its own memory: an erase
/// drops the user's cached statuses (they hold result image URLs) on every instance, not only in the store.
/// </summary>
public sealed class GdprInProcessPurgeTests : IAsyncLifetime
{
    private const string Subject = "auth0|purge-every-instance";
    private readonly RedisServer _redis = new();

    private static Dictionary<string, string?> Settings() => new()
    {
        ["RateLimiting:Policies:reads:PermitLimit"] = "100000",
        ["Gdpr:PollInterval"] = "00:00:00.100",
    };

    public Task InitializeAsync() => _redis.StartAsync();

    public Task DisposeAsync() => _redis.DisposeAsync();

    [Fact]
    public async Task Erase_ThroughOneInstance_DropsCachedStatusOnTheOther()
    {
        await using var first = await GatewayApp.StartAsync(_redis.ConnectionString, Settings());
        // The second instance does not work erase jobs: only the first instance's announcement can reach it.
        await using var second = await GatewayApp.StartAsync(_redis.ConnectionString, Settings(), emulator: first.Emulator, services: WithoutGdprWorker);
        var onSecond = new AppSession(second.ClientFor(Subject));
        var id = await CompletedGenerationAsync(new AppSession(first.ClientFor(Subject)), onSecond);
        var cached = second.Services.GetRequiredService<GenerationStatusCache>();
        var user = new GatewayUserFeature(TestTokens.PseudonymOf(Subject), "default");
        Assert.NotNull(await cached.TryGetAsync(user, id, CancellationToken.None));
        await using var listener = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        var announced = await listener.GetSubscriber().SubscribeAsync(RedisErasureBroadcast.Channel);

        await EraseAsync(first);

        // The announcement names the pseudonym, never the subject.
        var message = await announced.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(user.Pseudonym, message.Message.ToString());

        // The store's copy is gone with the job; the second instance's in-process copy must not outlive it.
        Assert.True(await Poll.UntilAsync(async () => await cached.TryGetAsync(user, id, CancellationToken.None) is null, TimeSpan.FromSeconds(2)),
            "the second instance still holds the erased user's status");
        await ErrorAssert.IsError(await onSecond.GenerationAsync(id), HttpStatusCode.NotFound, "GENERATION_NOT_FOUND");
    }

    [Fact]
    public async Task UserDataErasers_ForgetOwnershipVerdictsBeforeCachedStatuses()
    {
        await using var app = await GatewayApp.StartAsync(settings: Settings());

        var erasers = app.Services.GetServices<IUserDataEraser>().ToList();

        // A status is served only after an ownership check: forgetting verdicts first leaves no window to re-cache one.
        Assert.Collection(erasers,
            first => Assert.IsType<Genlook.Gateway.Ownership.OwnershipStore>(first),
            second => Assert.IsType<GenerationStatusCache>(second));
    }

    [Fact]
    public async Task Erase_SingleInstance_DropsCachedStatus()
    {
        await using var app = await GatewayApp.StartAsync(settings: Settings());
        var session = new AppSession(app.ClientFor(Subject));
        var id = await CompletedGenerationAsync(session, session);
        var cached = app.Services.GetRequiredService<GenerationStatusCache>();
        var user = new GatewayUserFeature(TestTokens.PseudonymOf(Subject), "default");
        Assert.NotNull(await cached.TryGetAsync(user, id, CancellationToken.None));

        await EraseAsync(app);

        Assert.Null(await cached.TryGetAsync(user, id, CancellationToken.None));
        await ErrorAssert.IsError(await session.GenerationAsync(id), HttpStatusCode.NotFound, "GENERATION_NOT_FOUND");
    }

    private static void WithoutGdprWorker(IServiceCollection services) =>
        services.Remove(services.Single(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(GdprWorker)));

    /// <summary>A try-on through <paramref name="creator"/>, polled through <paramref name="poller"/> until COMPLETED and served from its cache.</summary>
    private static async Task<string> CompletedGenerationAsync(AppSession creator, AppSession poller)
    {
        var id = await creator.TryOnGenerationIdAsync(await creator.UploadImageIdAsync());
        Assert.True(await Poll.UntilAsync(async () => (await AppSession.JsonAsync(await poller.GenerationAsync(id))).GetProperty("status").GetString() == "COMPLETED", TimeSpan.FromSeconds(15)));
        var hit = await poller.GenerationAsync(id);
        Assert.StartsWith("genlook-gateway; hit", hit.Headers.GetValues("Cache-Status").Single());
        return id;
    }

    private static async Task EraseAsync(GatewayApp app)
    {
        var admin = app.ClientFor("privacy-officer", scope: "gdpr:erase");
        var accepted = await admin.DeleteAsync("/gdpr/users/" + Uri.EscapeDataString(Subject));
        Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, await accepted.Content.ReadAsStringAsync());
        var location = accepted.Headers.Location!.ToString();
        Assert.True(await Poll.UntilAsync(async () => (await AppSession.JsonAsync(await admin.GetAsync(location))).GetProperty("status").GetString() == "Completed", TimeSpan.FromSeconds(15)),
            "the erase job did not complete");
    }
}
