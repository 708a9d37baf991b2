using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Genlook.Gateway.Storage;
using Genlook.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Genlook.Gateway.Tests.Storage;

/// <summary>
/// Tests on a real 3-primary Redis Cluster with replicas. Not in parallel with the others: a failover is timed by the
/// nodes' timeouts, which a starved CPU stretches.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RedisClusterCollection : ICollectionFixture<RedisCluster>
{
    public const string Name = "redis-cluster";
}

/// <summary>The failover test kills a node, so it starts its own cluster; alone too, for the same reason.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RedisClusterFailoverCollection
{
    public const string Name = "redis-cluster-failover";
}

/// <summary>Every feature that keeps state in Redis, through two gateway instances on one cluster: no CROSSSLOT, nothing lost.</summary>
[Collection(RedisClusterCollection.Name)]
public sealed class RedisClusterTests(RedisCluster cluster) : IAsyncLifetime
{
    private GatewayApp _first = null!;
    private GatewayApp _second = null!;

    public async Task InitializeAsync()
    {
        var settings = ClusterSettings.For(tryOnLimit: 4);

        // These tests are about the cluster's keys, not a slow Redis: on a loaded machine a call over the default 50 ms
        // budget would open the limiter's circuit and the per-instance fallback would count instead (issue 21 item 8).
        settings["RateLimiting:RedisBudget"] = "00:00:02";
        _first = await GatewayApp.StartAsync(cluster.ConnectionString, settings, services: s => s.AddLogging(l => l.AddFakeLogging()));
        _second = await GatewayApp.StartAsync(cluster.ConnectionString, settings, emulator: _first.Emulator, services: s => s.AddLogging(l => l.AddFakeLogging()));
    }

    public async Task DisposeAsync()
    {
        await _second.DisposeAsync();
        await _first.DisposeAsync();
    }

    [Fact]
    public async Task TryOnBurstOfSeveralUsersSplitAcrossInstances_AdmitsExactlyTheLimitForEach()
    {
        var users = Enumerable.Range(0, 6).Select(i => $"limit-{i}-{Guid.NewGuid():N}").ToArray();
        var images = await Task.WhenAll(users.Select(u => new AppSession(_first.ClientFor(u)).UploadImageIdAsync()));
        _first.Emulator.Requests.Clear();

        // 10 try-ons per user at once, alternating instances: 4 each may pass.
        var attempts = users.SelectMany((user, u) => Enumerable.Range(0, 10).Select(i =>
            new AppSession((i % 2 == 0 ? _first : _second).ClientFor(user)).TryOnAsync(ClusterSettings.TryOn(images[u]))));
        var responses = await Task.WhenAll(attempts);

        for (var u = 0; u < users.Length; u++)
        {
            var mine = responses.Skip(10 * u).Take(10).Select(r => r.StatusCode).ToList();
            Assert.Equal(4, mine.Count(s => s == HttpStatusCode.OK));
            Assert.Equal(6, mine.Count(s => s == HttpStatusCode.TooManyRequests));
        }

        Assert.Equal(4 * users.Length, _first.Emulator.Requests.Matching("POST", "/tryon/v1/try-on").Count);
        AssertNoErrorLogs();
    }

    [Fact]
    public async Task OwnershipCacheIdempotencyAndErase_AcrossInstances_AllWork()
    {
        var subject = "alice-" + Guid.NewGuid().ToString("N");
        var onFirst = new AppSession(_first.ClientFor(subject));
        var onSecond = new AppSession(_second.ClientFor(subject));
        var image = await onFirst.UploadImageIdAsync();
        _first.Emulator.Requests.Clear();

        // Idempotency: the same key on the other instance replays without calling Genlook.
        var tried = await onSecond.Client.SendAsync(Idempotent(image, "cluster-key"));
        var replayed = await onFirst.Client.SendAsync(Idempotent(image, "cluster-key"));
        Assert.Equal(HttpStatusCode.OK, tried.StatusCode);
        Assert.Equal("true", replayed.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Single(_first.Emulator.Requests.Matching("POST", "/tryon/v1/try-on"));
        var generation = (await AppSession.JsonAsync(tried)).GetProperty("generationId").GetString()!;

        // Ownership: readable by its owner on either instance, by nobody else.
        await ErrorAssert.IsError(await _first.ClientFor("mallory").GetAsync($"/tryon/v1/generations/{generation}"), HttpStatusCode.NotFound, "GENERATION_NOT_FOUND");

        // Status cache: once completed, the other instance serves it from Redis.
        Assert.True(await Poll.UntilAsync(async () =>
            (await AppSession.JsonAsync(await onFirst.GenerationAsync(generation))).GetProperty("status").GetString() == "COMPLETED", TimeSpan.FromSeconds(15)));
        var cached = await onSecond.GenerationAsync(generation);
        Assert.Equal(HttpStatusCode.OK, cached.StatusCode);
        Assert.StartsWith("genlook-gateway; hit", cached.Headers.GetValues("Cache-Status").Single(), StringComparison.Ordinal);

        // GDPR: accepted on one instance, worked by either, and the user's records are gone.
        var accepted = await onSecond.Client.DeleteAsync("/gdpr/me");
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var location = accepted.Headers.Location!.ToString();
        Assert.True(await Poll.UntilAsync(async () => await ClusterSettings.JobStatusAsync(onFirst.Client, location) == "Completed", TimeSpan.FromSeconds(15)));
        await ErrorAssert.IsError(await new AppSession(_first.ClientFor(subject)).GenerationAsync(generation), HttpStatusCode.NotFound, "GENERATION_NOT_FOUND");
        AssertNoErrorLogs();
    }

    private static HttpRequestMessage Idempotent(string image, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/tryon/v1/try-on") { Content = new StringContent(ClusterSettings.TryOn(image), Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    // A CROSSSLOT or any other defect would surface as an error log (a 500, or a background worker's failure).
    private void AssertNoErrorLogs()
    {
        foreach (var app in (GatewayApp[])[_first, _second])
        {
            var errors = app.Services.GetFakeLogCollector().GetSnapshot().Where(r => r.Level >= LogLevel.Error).ToList();
            Assert.True(errors.Count == 0, string.Join("\n", errors.Select(r => $"{r.Category}: {r.Message} {r.Exception}")));
        }
    }
}

/// <summary>
/// A primary killed (SIGKILL) under load: until its replica is promoted, requests that need it get <c>503
/// STORE_UNAVAILABLE</c> (with the default <c>cluster-require-full-coverage yes</c>, every node answers <c>CLUSTERDOWN</c>
/// once it is marked failed, so all do for that moment), never <c>500</c>; afterwards everything works again, and what was
/// replicated before the failure is still there.
/// </summary>
[Collection(RedisClusterFailoverCollection.Name)]
public sealed class RedisClusterFailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly RedisCluster _cluster = new();
    private GatewayApp _app = null!;
    private GatewayApp _reader = null!;

    public async Task InitializeAsync()
    {
        await _cluster.InitializeAsync();
        var settings = ClusterSettings.For(tryOnLimit: 100_000);
        _app = await GatewayApp.StartAsync(_cluster.ConnectionString, settings, services: s => s.AddLogging(l => l.AddFakeLogging()));

        // Reads the records back at the end: a fresh instance remembers no ownership verdict, it asks the store.
        _reader = await GatewayApp.StartAsync(_cluster.ConnectionString, settings, emulator: _app.Emulator);
    }

    public async Task DisposeAsync()
    {
        await _reader.DisposeAsync();
        await _app.DisposeAsync();
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task PrimaryKilledUnderLoad_503NeverA500_ThenRecovers_AndNothingReplicatedIsLost()
    {
        // Users spread over the three primaries, each with an image and a generation recorded before the failure.
        var users = Enumerable.Range(0, 9).Select(i => $"failover-{i}").ToArray();
        var sessions = users.Select(u => new AppSession(_app.ClientFor(u))).ToArray();
        var images = await Task.WhenAll(sessions.Select(s => s.UploadImageIdAsync()));
        var generations = await Task.WhenAll(sessions.Select((s, i) => s.TryOnGenerationIdAsync(images[i])));
        var jobs = new ConcurrentBag<string>();
        var before = await _app.ClientFor("erased-before").DeleteAsync("/gdpr/me");
        Assert.Equal(HttpStatusCode.Accepted, before.StatusCode);
        jobs.Add(before.Headers.Location!.ToString());

        // The victim serves the first user's keys. Everything written so far has reached its replica (WAIT after a write
        // of our own: replication is one ordered stream), so the failover may not lose it.
        var victimKey = StoreKeys.UserIndex(TestTokens.PseudonymOf(users[0]));
        var victim = await _cluster.PrimaryOfAsync(victimKey);
        await using (var admin = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{victim},allowAdmin=true"))
        {
            var server = admin.GetServer("127.0.0.1", victim);
            await server.ExecuteAsync("SET", victimKey + ":wait", "1", "PX", "1000");
            Assert.Equal(1L, (long)await server.ExecuteAsync("WAIT", 1, 2000));
        }

        // Load: try-ons (image ownership, exact limits, a new record), reads of ids never issued (a store read each),
        // and erase requests, from four workers, until the gateway serves the victim's users again.
        var results = new ConcurrentQueue<(int Status, string Body)>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(40));
        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var u = (w + (4 * n)) % users.Length;
                var response = (n % 3) switch
                {
                    0 => await sessions[u].TryOnAsync(ClusterSettings.TryOn(images[u])),
                    1 => await sessions[u].GenerationAsync("gen_" + Guid.NewGuid().ToString("N")),
                    _ => await _app.ClientFor($"erased-{w}-{n}").DeleteAsync("/gdpr/me"),
                };
                results.Enqueue(((int)response.StatusCode, await response.Content.ReadAsStringAsync()));
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    jobs.Add(response.Headers.Location!.ToString());
                }
            }
        })).ToArray();

        try
        {
            Assert.True(await Poll.UntilAsync(() => Task.FromResult(results.Count >= 20)), "no load before the failure");
            await _cluster.KillPrimaryOfAsync(victimKey);
            var killed = System.Diagnostics.Stopwatch.StartNew();

            var promoted = await Poll.UntilAsync(async () => await _cluster.HealthyAsync() && await _cluster.PrimaryOfAsync(victimKey) != victim, TimeSpan.FromSeconds(20));
            Assert.True(promoted, "the replica was not promoted within 20 s");
            output.WriteLine($"replica promoted {killed.Elapsed.TotalSeconds:0.0} s after the kill");
            var served = await Poll.UntilAsync(async () => (await sessions[0].TryOnAsync(ClusterSettings.TryOn(images[0]))).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(20));
            Assert.True(served, "the gateway did not serve the failed-over slots within 20 s of the promotion");
            output.WriteLine($"the victim's users served again {killed.Elapsed.TotalSeconds:0.0} s after the kill");
        }
        finally
        {
            stop.Cancel();
            await Task.WhenAll(workers);
        }

        // During the failover: 503 STORE_UNAVAILABLE for what needed the store, never a 500.
        var statuses = results.GroupBy(r => r.Status).ToDictionary(g => g.Key, g => g.Count());
        var summary = string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value}"));
        output.WriteLine($"responses during the load: {summary}; {jobs.Count} erase jobs accepted");
        Assert.True(statuses.Keys.All(s => s is 200 or 202 or 404 or 503), summary + "\n" + string.Join("\n", results.Where(r => r.Status is not (200 or 202 or 404 or 503)).Select(r => r.Body).Distinct()));
        Assert.All(results.Where(r => r.Status == 503), r => Assert.Contains("\"STORE_UNAVAILABLE\"", r.Body, StringComparison.Ordinal));
        Assert.True(statuses.ContainsKey(503), "no request met the failover: " + summary);

        // After it: every user is served, every record written before is readable, every accepted erase finishes.
        for (var u = 0; u < users.Length; u++)
        {
            Assert.Equal(HttpStatusCode.OK, (await sessions[u].TryOnAsync(ClusterSettings.TryOn(images[u]))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await _reader.ClientFor(users[u]).GetAsync($"/tryon/v1/generations/{generations[u]}")).StatusCode);
        }

        var admin2 = _app.ClientFor("privacy-officer", scope: "gdpr:erase");
        foreach (var location in jobs)
        {
            var completed = await Poll.UntilAsync(async () => await ClusterSettings.JobStatusAsync(admin2, location) == "Completed", TimeSpan.FromSeconds(20));
            Assert.True(completed, await (await admin2.GetAsync(location)).Content.ReadAsStringAsync());
        }

        // The outage in the logs: warnings without stack traces, no errors.
        var logs = _app.Services.GetFakeLogCollector().GetSnapshot();
        Assert.DoesNotContain(logs, r => r.Level >= LogLevel.Error);
        Assert.Contains(logs, r => r.Id.Id == 2002);
    }
}

internal static class ClusterSettings
{
    public static Dictionary<string, string?> For(int tryOnLimit) => new()
    {
        ["RateLimiting:Policies:tryon:PermitLimit"] = tryOnLimit.ToString(),
        ["RateLimiting:Policies:account:PermitLimit"] = "100000",
        ["RateLimiting:Policies:uploads:PermitLimit"] = "100000",
        ["RateLimiting:Policies:reads:PermitLimit"] = "100000",
        ["RateLimiting:Policies:gdpr:PermitLimit"] = "100000",
        ["Gdpr:PollInterval"] = "00:00:00.100",
        ["Gdpr:RetryBaseDelay"] = "00:00:00.200",
        ["Gdpr:MaxRetryDelay"] = "00:00:00.500",

        // A job whose lock could not be released (the store failed meanwhile) is taken up again after this.
        ["Gdpr:ClaimIdleTime"] = "00:00:02",
    };

    public static string TryOn(string imageId) =>
        """{"products":[{"externalId":"shirt-42","title":"Red tee","images":[{"source":{"url":"https://cdn.example.com/a.jpg"}}]}],"person":{"image":{"source":{"id":"__ID__"}}}}""".Replace("__ID__", imageId, StringComparison.Ordinal);

    public static async Task<string?> JobStatusAsync(HttpClient client, string location)
    {
        var response = await client.GetAsync(location);
        return response.StatusCode == HttpStatusCode.OK ? (await AppSession.JsonAsync(response)).GetProperty("status").GetString() : null;
    }
}
