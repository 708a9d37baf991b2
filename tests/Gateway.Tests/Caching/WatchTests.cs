using System.Net;
using System.Net.Http.Headers;
using Genlook.Emulator;
using Genlook.Gateway.Caching;
using Genlook.Gateway.Identity;
using Genlook.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Genlook.Gateway.Tests.Caching;

/// <summary>
/// CONTRACT §7, watching a generation: event streams and held GETs against the real pipeline, a real redis-server
/// shared by two instances, and the emulator as Genlook (a generation goes PENDING, PROCESSING, COMPLETED on its own).
/// </summary>
public sealed class WatchTests : IAsyncLifetime
{
    private static readonly string[] Order = ["PENDING", "PROCESSING", "COMPLETED"];
    private readonly RedisServer _redis = new();

    public Task InitializeAsync() => _redis.StartAsync();

    public Task DisposeAsync() => _redis.DisposeAsync();

    private static Dictionary<string, string?> Settings(string pollInterval = "00:00:00.100", int maxWatches = 10, string heartbeat = "00:00:15") => new()
    {
        ["RateLimiting:Policies:reads:PermitLimit"] = "100000",
        ["Caching:PollInterval"] = pollInterval,
        ["Caching:PendingTtl"] = pollInterval,
        ["Caching:MaxWatchesPerUser"] = maxWatches.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Caching:WatchHeartbeat"] = heartbeat,
    };

    private static Task<GenlookEmulatorHost> EmulatorAsync(TimeSpan pending, TimeSpan processing) =>
        GenlookEmulatorHost.StartAsync(new EmulatorOptions { ApiKeys = [GatewayApp.ApiKey, GatewayApp.SecondApiKey], Strict = true, PendingFor = pending, ProcessingFor = processing });

    private static int UpstreamGets(GenlookEmulatorHost emulator, string id) => emulator.Requests.Matching("GET", $"/tryon/v1/generations/{id}").Count;

    private static async Task<string> NewGenerationAsync(HttpClient client)
    {
        var session = new AppSession(client);
        return await session.TryOnGenerationIdAsync(await session.UploadImageIdAsync());
    }

    private static void AssertInOrderAndUnique(List<SseEvent> events)
    {
        Assert.NotEmpty(events);
        Assert.All(events, e => Assert.Equal("status", e.Type));
        Assert.Equal("COMPLETED", events[^1].Status);
        Assert.Equal(events.Count, events.Select(e => e.Id).Distinct().Count());
        var ranks = events.Select(e => Array.IndexOf(Order, e.Status)).ToList();
        Assert.DoesNotContain(-1, ranks);
        Assert.Equal(ranks.Order().ToList(), ranks);
    }

    [Fact]
    public async Task Watch_SendsEachStatusOnce_InOrder_AndEndsAfterCompleted()
    {
        await using var app = await GatewayApp.StartAsync(_redis.ConnectionString, Settings());
        var client = app.ClientFor("watch-alice");
        var id = await NewGenerationAsync(client);

        var (stream, response) = await EventStream.OpenAsync(client, id);
        Assert.NotNull(stream);
        await using var _ = stream;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
        Assert.Equal("no", response.Headers.GetValues("X-Accel-Buffering").Single());

        var events = await stream.ReadToEndAsync();

        AssertInOrderAndUnique(events);
        Assert.True(stream.Ended);
        Assert.Equal(events[^1].Data, await (await client.GetAsync($"/tryon/v1/generations/{id}")).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Watch_LastEventId_ResumesWithoutRepeatingWhatTheAppHas()
    {
        await using var app = await GatewayApp.StartAsync(_redis.ConnectionString, Settings());
        var client = app.ClientFor("watch-resume");
        var id = await NewGenerationAsync(client);
        var (first, _) = await EventStream.OpenAsync(client, id);
        await using (first)
        {
            var events = await first!.ReadToEndAsync();
            var final = events[^1];

            // Reconnecting with the final version: nothing is repeated, the stream just ends.
            var (again, _) = await EventStream.OpenAsync(client, id, lastEventId: final.Id);
            await using (again)
            {
                Assert.Empty(await again!.ReadToEndAsync());
            }

            // Reconnecting with an older version: only what changed since.
            var (older, _) = await EventStream.OpenAsync(client, id, lastEventId: "0000000000000000");
            await using (older)
            {
                var resumed = await older!.ReadToEndAsync();
                Assert.Equal(final.Id, Assert.Single(resumed).Id);
            }
        }
    }

    [Fact]
    public async Task Watch_SendsCommentHeartbeats_WhileNothingChanges()
    {
        await using var emulator = await EmulatorAsync(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5));
        await using var app = await GatewayApp.StartAsync(_redis.ConnectionString, Settings(heartbeat: "00:00:00.100"), emulator);
        var client = app.ClientFor("watch-heartbeat");
        var id = await NewGenerationAsync(client);
        var (stream, _) = await EventStream.OpenAsync(client, id);
        await using var _ = stream;

        Assert.Equal("PENDING", (await stream!.NextEventAsync())!.Status);
        var next = stream.NextEventAsync(TimeSpan.FromSeconds(1)); // nothing changes: only heartbeats arrive
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next);

        Assert.NotEmpty(stream.Comments);
        Assert.All(stream.Comments, c => Assert.Equal("heartbeat", c));
    }

    [Fact]
    public async Task Watch_OfAnotherUsersGeneration_IsGenerationNotFound_WithoutAskingGenlook()
    {
        await using var app = await GatewayApp.StartAsync(_redis.ConnectionString, Settings());
        var id = await NewGenerationAsync(app.ClientFor("watch-owner"));
        app.Emulator.Requests.Clear();

        var (stream, response) = await EventStream.OpenAsync(app.ClientFor("watch-stranger"), id);

        Assert.Null(stream);
        await ErrorAssert.IsError(response, HttpStatusCode.NotFound, "GENERATION_NOT_FOUND");
        Assert.Equal(0, UpstreamGets(app.Emulator, id));
    }

    [Fact]
    public async Task Watch_CostsOneReadsPermit_NotOnePerEvent()
    {
        var settings = Settings();
        settings["RateLimiting:Policies:reads:PermitLimit"] = "2";
        await using var app = await GatewayApp.StartAsync(_redis.ConnectionString, settings);
        var client = app.ClientFor("watch-budget");
        var id = await NewGenerationAsync(client);

        var (stream, _) = await EventStream.OpenAsync(client, id);
        await using (stream)
        {
            Assert.True((await stream!.ReadToEndAsync()).Count >= 2);
        }

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/tryon/v1/generations/{id}")).StatusCode);
        await ErrorAssert.IsError(await client.GetAsync($"/tryon/v1/generations/{id}"), HttpStatusCode.TooManyRequests, "RATE_LIMITED");
    }

    [Fact]
    public async Task MaxWatchesPerUser_CountsWatchesOnEveryInstance()
    {
        await using var emulator = await EmulatorAsync(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5));
        await using var first = await GatewayApp.StartAsync(_redis.ConnectionString, Settings(maxWatches: 2), emulator);
        await using var second = await GatewayApp.StartAsync(_redis.ConnectionString, Settings(maxWatches: 2), emulator);
        var id = await NewGenerationAsync(first.ClientFor("watch-many"));

        var (a, _) = await EventStream.OpenAsync(first.ClientFor("watch-many"), id);
        var (b, _) = await EventStream.OpenAsync(second.ClientFor("watch-many"), id);
        await using (a)
        {
            Assert.NotNull(a);
            await using (b)
            {
                Assert.NotNull(b);
                var (refused, response) = await EventStream.OpenAsync(first.ClientFor("watch-many"), id);
                Assert.Null(refused);
                await ErrorAssert.IsError(response, HttpStatusCode.TooManyRequests, "RATE_LIMITED");
                Assert.True(int.Parse(response.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);

                // Another user is not affected.
                var (other, _) = await EventStream.OpenAsync(second.ClientFor("watch-other"), await NewGenerationAsync(second.ClientFor("watch-other")));
                Assert.NotNull(other);
                await other!.DisposeAsync();
            }

            // One closed on the second instance: its slot is free again for a watch on the first.
            Assert.True(await Poll.UntilAsync(async () =>
            {
                var (c, _) = await EventStream.OpenAsync(first.ClientFor("watch-many"), id);
                if (c is null)
                {
                    return false;
                }

                await c.DisposeAsync();
                return true;
            }, TimeSpan.FromSeconds(10)));
        }
    }

    [Fact]
    public async Task ManyWatchersOnTwoInstances_AskGenlookAtMostOncePerPollInterval()
    {
        // 1 s of life at a 100 ms interval: at most about ten polls per generation, whatever the number of watchers.
        await using var emulator = await EmulatorAsync(TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(500));
        await using var first = await GatewayApp.StartAsync(_redis.ConnectionString, Settings(maxWatches: 100), emulator);
        await using var second = await GatewayApp.StartAsync(_redis.ConnectionString, Settings(maxWatches: 100), emulator);
        const int WatchersPerInstance = 15;
        var ids = new List<string>();
        for (var g = 0; g < 3; g++)
        {
            ids.Add(await NewGenerationAsync(first.ClientFor("watch-crowd")));
        }

        emulator.Requests.Clear();
        var watches = new List<Task<List<SseEvent>>>();
        foreach (var id in ids)
        {
            foreach (var app in new[] { first, second })
            {
                for (var w = 0; w < WatchersPerInstance; w++)
                {
                    watches.Add(Task.Run(async () =>
                    {
                        var (stream, response) = await EventStream.OpenAsync(app.ClientFor("watch-crowd"), id);
                        Assert.True(stream is not null, $"watch refused: {(int)response.StatusCode}");
                        await using var _ = stream;
                        return await stream!.ReadToEndAsync();
                    }));
                }
            }
        }

        foreach (var events in await Task.WhenAll(watches))
        {
            AssertInOrderAndUnique(events);
        }

        var lifetimeIntervals = (int)Math.Ceiling(TimeSpan.FromSeconds(1) / TimeSpan.FromMilliseconds(100));
        foreach (var id in ids)
        {
            var gets = UpstreamGets(emulator, id);
            Assert.InRange(gets, 1, lifetimeIntervals + 3); // not 2 × 15 watchers' worth of polls
        }
    }

    [Fact]
    public async Task PollingInstanceStops_TheOtherTakesOver_AndItsWatchersFinish()
    {
        await using var emulator = await EmulatorAsync(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1));
        var first = await GatewayApp.StartAsync(_redis.ConnectionString, Settings(), emulator);
        var second = await GatewayApp.StartAsync(_redis.ConnectionString, Settings(), emulator);
        try
        {
            var id = await NewGenerationAsync(first.ClientFor("watch-takeover"));
            var (onFirst, _) = await EventStream.OpenAsync(first.ClientFor("watch-takeover"), id);
            var (onSecond, _) = await EventStream.OpenAsync(second.ClientFor("watch-takeover"), id);
            await using var a = onFirst;
            await using var b = onSecond;
            Assert.Equal("PENDING", (await onFirst!.NextEventAsync())!.Status);
            Assert.Equal("PENDING", (await onSecond!.NextEventAsync())!.Status);

            var user = UserOf(first, "watch-takeover");
            var leader = first.Services.GetRequiredService<GenerationWatchHub>().IsPolling(user, id) ? first : second;
            var (survivor, survivorStream, leaderStream) = leader == first ? (second, onSecond, onFirst) : (first, onFirst, onSecond);
            Assert.False(survivor.Services.GetRequiredService<GenerationWatchHub>().IsPolling(user, id));

            // The polling instance goes away in the middle of PENDING.
            await leader.DisposeAsync();
            Assert.Contains("2000", leaderStream.Retries.Concat(await DrainRetriesAsync(leaderStream)));

            var rest = await survivorStream.ReadToEndAsync();
            Assert.Equal("COMPLETED", rest[^1].Status);
            Assert.True(survivorStream.Ended);
        }
        finally
        {
            await first.DisposeAsync();
            await second.DisposeAsync();
        }
    }

    private static async Task<List<string>> DrainRetriesAsync(EventStream stream)
    {
        try
        {
            await stream.ReadToEndAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException)
        {
            // The server went away after its retry hint.
        }

        return stream.Retries;
    }

    private static GatewayUserFeature UserOf(GatewayApp app, string subject) =>
        new(app.Services.GetRequiredService<PseudonymGenerator>().For(subject), "default");

    [Fact]
    public async Task Shutdown_EndsEveryStreamWithARetryHint()
    {
        await using var emulator = await EmulatorAsync(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5));
        await using var app = await GatewayApp.StartAsync(_redis.ConnectionString, Settings(), emulator);
        var client = app.ClientFor("watch-shutdown");
        var id = await NewGenerationAsync(client);
        var (stream, _) = await EventStream.OpenAsync(client, id);
        await using var _ = stream;
        Assert.Equal("PENDING", (await stream!.NextEventAsync())!.Status);

        app.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        Assert.Null(await stream.NextEventAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(["2000"], stream.Retries);
        Assert.True(stream.Ended);
    }

    [Fact]
    public async Task PlainGet_ETagChangesWithStatus_AndIfNoneMatchIsNotModified()
    {
        await using var app = await GatewayApp.StartAsync(_redis.ConnectionString, Settings());
        var client = app.ClientFor("watch-etag");
        var id = await NewGenerationAsync(client);
        var tags = new Dictionary<string, HashSet<string>>();
        Assert.True(await Poll.UntilAsync(async () =>
        {
            var response = await client.GetAsync($"/tryon/v1/generations/{id}");
            var status = (await AppSession.JsonAsync(response)).GetProperty("status").GetString()!;
            var etag = response.Headers.ETag!.ToString();
            (tags.TryGetValue(status, out var seen) ? seen : tags[status] = []).Add(etag);
            return status == "COMPLETED";
        }, TimeSpan.FromSeconds(15)));

        // No two statuses ever share a tag.
        var all = tags.Values.SelectMany(t => t).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.True(tags.Count >= 2);

        // The completed status is cached: its tag is stable, and a conditional GET is 304 without a body.
        var current = await client.GetAsync($"/tryon/v1/generations/{id}");
        var tag = current.Headers.ETag!;
        using var conditional = new HttpRequestMessage(HttpMethod.Get, $"/tryon/v1/generations/{id}");
        conditional.Headers.IfNoneMatch.Add(tag);
        var notModified = await client.SendAsync(conditional);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(tag, notModified.Headers.ETag);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task PreferWait_HoldsUntilTheStatusChanges_Or304WhenTheWaitEnds()
    {
        await using var emulator = await EmulatorAsync(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
        await using var app = await GatewayApp.StartAsync(_redis.ConnectionString, Settings(), emulator);
        var client = app.ClientFor("watch-wait");
        var id = await NewGenerationAsync(client);
        var pending = await client.GetAsync($"/tryon/v1/generations/{id}");
        Assert.Equal("PENDING", (await AppSession.JsonAsync(pending)).GetProperty("status").GetString());

        // Held until PROCESSING: 200 with the new body and tag.
        var changed = await client.SendAsync(Held(id, pending.Headers.ETag!, "wait=30"));
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal("PROCESSING", (await AppSession.JsonAsync(changed)).GetProperty("status").GetString());
        Assert.NotEqual(pending.Headers.ETag, changed.Headers.ETag);
        Assert.Equal("wait=30", changed.Headers.GetValues("Preference-Applied").Single());

        // PROCESSING for minutes: the wait ends with 304 and the same tag.
        var unchanged = await client.SendAsync(Held(id, changed.Headers.ETag!, "wait=1"));
        Assert.Equal(HttpStatusCode.NotModified, unchanged.StatusCode);
        Assert.Equal(changed.Headers.ETag, unchanged.Headers.ETag);
        Assert.Equal("wait=1", unchanged.Headers.GetValues("Preference-Applied").Single());

        // A longer wish is cut to the cap, and says so.
        var capped = await client.SendAsync(Held(id, new EntityTagHeaderValue("\"0000000000000000\""), "wait=3600"));
        Assert.Equal(HttpStatusCode.OK, capped.StatusCode);
        Assert.Equal($"wait={GenerationWatchMiddleware.MaxWaitSeconds}", capped.Headers.GetValues("Preference-Applied").Single());
    }

    private static HttpRequestMessage Held(string id, EntityTagHeaderValue etag, string prefer)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/tryon/v1/generations/{id}");
        request.Headers.IfNoneMatch.Add(etag);
        request.Headers.Add("Prefer", prefer);
        return request;
    }

    [Fact]
    public async Task InMemoryStore_WatchesToCompletion_AndLimitsWatches()
    {
        await using var app = await GatewayApp.StartAsync(settings: Settings(maxWatches: 1));
        var client = app.ClientFor("watch-memory");
        var id = await NewGenerationAsync(client);

        var (stream, _) = await EventStream.OpenAsync(client, id);
        await using (stream)
        {
            var (refused, response) = await EventStream.OpenAsync(client, id);
            Assert.Null(refused);
            await ErrorAssert.IsError(response, HttpStatusCode.TooManyRequests, "RATE_LIMITED");
            AssertInOrderAndUnique(await stream!.ReadToEndAsync());
        }
    }
}

/// <summary>The watch on a real Redis Cluster: sharded pub/sub carries the poller's answers to the other instance.</summary>
[Collection(Storage.RedisClusterCollection.Name)]
public sealed class WatchOnClusterTests(RedisCluster cluster)
{
    [Fact]
    public async Task WatchersOnTwoInstances_OfAClusterStore_AllFinish_WithOnePollerPerGeneration()
    {
        await using var emulator = await GenlookEmulatorHost.StartAsync(new EmulatorOptions
        {
            ApiKeys = [GatewayApp.ApiKey], Strict = true, PendingFor = TimeSpan.FromMilliseconds(500), ProcessingFor = TimeSpan.FromMilliseconds(500),
        });
        var settings = new Dictionary<string, string?>
        {
            ["RateLimiting:Policies:reads:PermitLimit"] = "100000", ["Caching:PollInterval"] = "00:00:00.100", ["Caching:PendingTtl"] = "00:00:00.100",
        };
        await using var first = await GatewayApp.StartAsync(cluster.ConnectionString, settings, emulator);
        await using var second = await GatewayApp.StartAsync(cluster.ConnectionString, settings, emulator);
        var session = new AppSession(first.ClientFor("watch-cluster"));
        var id = await session.TryOnGenerationIdAsync(await session.UploadImageIdAsync());
        emulator.Requests.Clear();

        var watches = new[] { first, second, first, second }.Select(app => Task.Run(async () =>
        {
            var (stream, _) = await EventStream.OpenAsync(app.ClientFor("watch-cluster"), id);
            Assert.NotNull(stream);
            await using var _ = stream;
            return await stream.ReadToEndAsync();
        })).ToList();

        foreach (var events in await Task.WhenAll(watches))
        {
            Assert.Equal("COMPLETED", events[^1].Status);
        }

        Assert.InRange(emulator.Requests.Matching("GET", $"/tryon/v1/generations/{id}").Count, 1, 13);
    }
}
