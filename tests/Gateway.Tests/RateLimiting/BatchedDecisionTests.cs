using Genlook.Gateway.RateLimiting;
using Genlook.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Genlook.Gateway.Tests.RateLimiting;

/// <summary>
/// Decisions that arrive together share script calls (the point of batching) and get exactly the verdicts they would
/// get one by one: within a batch each request sees the admissions of the ones before it.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class BatchedDecisionTests(RedisServer redis)
{
    [Fact]
    public async Task ConcurrentBurst_AdmitsExactlyTheLimit_InFewerScriptCallsThanRequests()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        await using var store = new RedisRateLimitStore(connection, TimeSpan.FromSeconds(5));
        var suffix = Guid.NewGuid().ToString("N");
        var rules = Enumerable.Range(0, 4).Select(u => new RateLimitRule("reads", $"test:batch:{suffix}:{u}", 25, TimeSpan.FromMinutes(1))).ToArray();
        var callsBefore = await ScriptCalls(server);

        // 4 users x 100 requests at once: 25 each may pass.
        var decisions = await Task.WhenAll(Enumerable.Range(0, 400).Select(i => store.AcquireAsync(new RateLimitRequest([rules[i % 4]], null))));

        var calls = await ScriptCalls(server) - callsBefore;
        for (var user = 0; user < 4; user++)
        {
            var mine = decisions.Where((_, i) => i % 4 == user).ToArray();
            Assert.Equal(25, mine.Count(d => d.Allowed));
            Assert.All(mine.Where(d => !d.Allowed), d => Assert.InRange(d.RetryAfter.TotalSeconds, 59, 61));
        }

        Assert.InRange(calls, 1, 399);
    }

    [Fact]
    public async Task MixedBatch_DecidesEachRequestAsIfAlone()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20000));
        await using var batched = new RedisRateLimitStore(connection, time);
        await using var oneByOne = new RedisRateLimitStore(connection, time);
        var suffix = Guid.NewGuid().ToString("N");
        var hold = $"test:mixed:{suffix}:hold";
        await connection.GetDatabase().StringSetAsync(hold + ":b", "1", TimeSpan.FromSeconds(30));

        // User and account rules of different sizes, some with a hold (one of them set): the same sequence, sent all at
        // once to one store and one request at a time to another, must get the same verdicts and states.
        RateLimitRequest[] Requests(string side) => Enumerable.Range(0, 60).Select(i =>
        {
            var user = new RateLimitRule("tryon", $"test:mixed:{suffix}:{side}:u{i % 3}", 2 + i % 3, TimeSpan.FromMinutes(1));
            var account = new RateLimitRule("account", $"test:mixed:{suffix}:{side}:account", 7, TimeSpan.FromMinutes(5));
            return i % 5 == 0
                ? new RateLimitRequest([user], null)
                : new RateLimitRequest([user, account], i % 7 == 0 ? hold + ":b" : hold + ":a");
        }).ToArray();

        var together = await Task.WhenAll(Requests("batched").Select(r => batched.AcquireAsync(r)));
        var alone = new List<RateLimitDecision>();
        foreach (var request in Requests("alone"))
        {
            alone.Add(await oneByOne.AcquireAsync(request));
        }

        Assert.Equal(alone.Select(Describe), together.Select(Describe));
        Assert.Contains(together, d => d.Allowed);
        Assert.Contains(together, d => !d.Allowed);
    }

    [Fact]
    public async Task OneKey_UnderDifferentLimitsAndWindows_InOneBatch_DecidesAsOneByOne()
    {
        // Instances of a rolling deploy can disagree on a policy: one key, charged under two limits and two windows
        // in the same batch, after admissions at earlier times (so some must leave the window, and a lowered limit
        // makes the request wait for an entry other than the oldest).
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20001));
        await using var batched = new RedisRateLimitStore(connection, time);
        await using var oneByOne = new RedisRateLimitStore(connection, time);
        var suffix = Guid.NewGuid().ToString("N");

        RateLimitRequest Request(string side, int i) => new(
        [
            i % 2 == 0
                ? new RateLimitRule("reads", $"test:windows:{suffix}:{side}", 9, TimeSpan.FromSeconds(30))
                : new RateLimitRule("reads", $"test:windows:{suffix}:{side}", 4, TimeSpan.FromSeconds(10)),
        ], null);

        for (var i = 0; i < 8; i++)
        {
            foreach (var side in (string[])["batched", "alone"])
            {
                await oneByOne.AcquireAsync(new RateLimitRequest([new RateLimitRule("reads", $"test:windows:{suffix}:{side}", 100, TimeSpan.FromSeconds(30))], null));
            }

            time.Advance(TimeSpan.FromSeconds(1));
        }

        var server = connection.GetServer(connection.GetEndPoints()[0]);
        var calls = await ScriptCalls(server);
        var together = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => batched.AcquireAsync(Request("batched", i))));
        var batchCalls = await ScriptCalls(server) - calls;
        var alone = new List<RateLimitDecision>();
        for (var i = 0; i < 30; i++)
        {
            alone.Add(await oneByOne.AcquireAsync(Request("alone", i)));
        }

        Assert.Equal(alone.Select(Describe), together.Select(Describe));
        Assert.Contains(together, d => d.Allowed);
        Assert.Contains(together, d => !d.Allowed);
        Assert.InRange(batchCalls, 1, 29);
    }

    [Theory]
    [InlineData(RateLimitFailureMode.Closed, 0)]
    [InlineData(RateLimitFailureMode.Open, 1)]
    public async Task AcquireAsync_ScriptTimesOutOnAHungRedis_ItsLateAdmissionStaysOnlyIfTheRequestWasServed(RateLimitFailureMode mode, long expected)
    {
        // A hung Redis (here CLIENT PAUSE) runs the queued script once it resumes, after the gateway stopped waiting.
        // Closed mode refused the request (503): the late admission would charge a request that never ran. Open mode
        // served it from the fallback: the late admission is its true record in the shared log.
        await using var server = new RedisServer();
        await server.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true");
        await using var store = new RedisRateLimitStore(connection, TimeSpan.FromMilliseconds(100), mode);
        var key = $"test:hung:{Guid.NewGuid():N}";
        var request = new RateLimitRequest([new RateLimitRule("reads", key, 10, TimeSpan.FromMinutes(1))], null);

        await connection.GetServer(connection.GetEndPoints()[0]).ExecuteAsync("CLIENT", "PAUSE", "400", "ALL");
        await Assert.ThrowsAsync<TimeoutException>(() => store.AcquireAsync(request));

        // Commands on one connection run in order: this count runs after the late script and whatever followed it.
        Assert.Equal(expected, await connection.GetDatabase().SortedSetLengthAsync(key));
    }

    private static string Describe(RateLimitDecision d) =>
        $"{d.Allowed} {Math.Round(d.RetryAfter.TotalSeconds)} " + string.Join(",", d.States.Select(s => $"{s.Remaining}/{Math.Round(s.ResetAfter.TotalSeconds)}"));

    // EVAL and EVALSHA alike: the client sends a script in full until it knows the server has it.
    // Async: a sync INFO waited on a starved thread pool (the burst's own continuations) and timed out under load.
    private static async Task<long> ScriptCalls(IServer server) =>
        (await server.InfoAsync("commandstats")).SelectMany(g => g)
            .Where(p => p.Key is "cmdstat_evalsha" or "cmdstat_eval")
            .Sum(p => long.Parse(p.Value.Split(',')[0].Split('=')[1], System.Globalization.CultureInfo.InvariantCulture));
}
