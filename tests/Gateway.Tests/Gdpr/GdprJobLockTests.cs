using System.Net;
using System.Text.Json;
using Genlook.Gateway.Gdpr;
using Genlook.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace Genlook.Gateway.Tests.Gdpr;

/// <summary>
/// One worker at a time per job, across instances, even when a pass outlasts <c>Gdpr:ClaimIdleTime</c>: the lock
/// holder keeps its lock while it works, and a worker that lost its lock neither saves over its successor's state
/// nor releases its successor's lock. The app's own worker is removed; the tests drive one and act as another.
/// </summary>
public sealed class GdprJobLockTests : IAsyncLifetime
{
    private static readonly TimeSpan ClaimIdleTime = TimeSpan.FromSeconds(1);
    private readonly RedisServer _redis = new();
    private GatewayApp _app = null!;
    private ConnectionMultiplexer _connection = null!;

    public async Task InitializeAsync()
    {
        await _redis.StartAsync();
        _app = await GatewayApp.StartAsync(_redis.ConnectionString, new Dictionary<string, string?> { ["Gdpr:ClaimIdleTime"] = ClaimIdleTime.ToString() },
            services: services => services.Remove(services.Single(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(GdprWorker))));
        _connection = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        await _app.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task WorkAsync_PassLongerThanClaimIdleTime_KeepsTheLock()
    {
        var (entry, lockKey, pass) = await StartSlowPassAsync();
        var db = _connection.GetDatabase();

        // Another instance tries to take the job for as long as the pass runs (three lock lifetimes).
        var taken = false;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!taken && !pass.IsCompleted && DateTime.UtcNow < deadline)
        {
            taken = await db.StringSetAsync(lockKey, "another-instance", TimeSpan.FromSeconds(30), When.NotExists);
            await Task.Delay(50);
        }

        await pass.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.False(taken, "another instance took the lock while the pass was running");
        Assert.Equal("Completed", (await JobAsync(entry.JobId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task WorkAsync_LockTakenOverMidPass_LeavesTheSuccessorsStateAndLock()
    {
        var (entry, lockKey, pass) = await StartSlowPassAsync();
        var db = _connection.GetDatabase();

        // The worker stalled past its lock; another instance took the lock and has saved the job since.
        await db.StringSetAsync(lockKey, "another-instance", TimeSpan.FromSeconds(30));
        var successor = (await db.StringGetAsync(GdprJobStore.Key(entry.JobId))).ToString().Replace("\"status\":\"Pending\"", "\"status\":\"Retrying\"", StringComparison.Ordinal);
        await db.StringSetAsync(GdprJobStore.Key(entry.JobId), successor, TimeSpan.FromMinutes(5));
        await pass.WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(successor, (await db.StringGetAsync(GdprJobStore.Key(entry.JobId))).ToString());
        Assert.Equal("another-instance", (await db.StringGetAsync(lockKey)).ToString());
    }

    /// <summary>A worker's pass over a new job, with Genlook's erase slowed to three lock lifetimes; returns once it holds the lock.</summary>
    private async Task<(GdprQueueEntry Entry, string LockKey, Task Pass)> StartSlowPassAsync()
    {
        var entry = await AcceptedJobAsync();
        var worker = ActivatorUtilities.CreateInstance<GdprWorker>(_app.Services);
        var lockKey = GdprJobStore.LockKey(entry.JobId);
        _app.Emulator.Faults.Delay(3 * ClaimIdleTime, pathPrefix: "/tryon/v1/customers/", times: 1);
        var pass = worker.WorkAsync(entry, CancellationToken.None);
        Assert.True(await Poll.UntilAsync(() => _connection.GetDatabase().KeyExistsAsync(lockKey), TimeSpan.FromSeconds(5)), "the worker did not lock the job");
        return (entry, lockKey, pass);
    }

    private async Task<GdprQueueEntry> AcceptedJobAsync()
    {
        var accepted = await _app.ClientFor("privacy-officer", scope: "gdpr:erase").DeleteAsync("/gdpr/users/" + Guid.NewGuid().ToString("N"));
        Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, await accepted.Content.ReadAsStringAsync());
        var jobId = (await AppSession.JsonAsync(accepted)).GetProperty("jobId").GetString()!;
        return (await _app.Services.GetRequiredService<IGdprQueue>().FetchAsync("test", CancellationToken.None)).Single(e => e.JobId == jobId);
    }

    private async Task<JsonElement> JobAsync(string jobId) =>
        JsonDocument.Parse((await _connection.GetDatabase().StringGetAsync(GdprJobStore.Key(jobId))).ToString()).RootElement.Clone();
}
