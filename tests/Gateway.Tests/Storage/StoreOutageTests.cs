using System.Net;
using Genlook.Gateway.Storage;
using Genlook.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Genlook.Gateway.Tests.Storage;

/// <summary>A store outage is one warning when it starts and one information when it ends, not a log line per request.</summary>
public sealed class StoreOutageTests
{
    [Fact]
    public async Task RequestsDuringAnOutage_AllGet503_OneWarningAndNoErrorLogs()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();
        await using var app = await GatewayApp.StartAsync(redis.ConnectionString, services: services => services.AddLogging(logging => logging.AddFakeLogging()));
        var logs = app.Services.GetFakeLogCollector();
        var alice = new AppSession(app.ClientFor("alice"));

        await redis.StopAsync();
        for (var i = 0; i < 20; i++)
        {
            // An id the gateway never issued: its ownership check asks the store, which is down.
            var response = await alice.GenerationAsync("gen_" + Guid.NewGuid().ToString("N"));
            await ErrorAssert.IsError(response, HttpStatusCode.ServiceUnavailable, "STORE_UNAVAILABLE");
        }

        var records = logs.GetSnapshot().Where(r => r.Level >= LogLevel.Warning).ToList();
        var listing = string.Join("\n", records.Select(r => $"{r.Level} {r.Category} {r.Id}: {r.Message} {r.Exception?.GetType().Name}"));
        Assert.DoesNotContain(records, r => r.Level >= LogLevel.Error || r.Exception is not null);
        Assert.Single(records, r => r.Id.Id == 2002);
        Assert.All(records.GroupBy(r => (r.Category, r.Id.Id)), g => Assert.True(g.Count() == 1, listing));
    }

    [Fact]
    public void FailedThenSucceeded_AfterTheQuietPeriod_OneWarningThenOneInformation()
    {
        var time = new FakeTimeProvider();
        var logger = new FakeLogger<StoreOutage>();
        var outage = new StoreOutage(logger, TestTelemetry.Storage(), time);

        // A partial outage: failures and successes interleaved (one cluster node down).
        for (var i = 0; i < 10; i++)
        {
            outage.Failed("ClusterDown");
            time.Advance(TimeSpan.FromMilliseconds(100));
            outage.Succeeded();
        }

        Assert.Equal([(LogLevel.Warning, 2002)], logger.Collector.GetSnapshot().Select(r => (r.Level, r.Id.Id)));

        time.Advance(StoreOutage.QuietPeriod);
        outage.Succeeded();
        outage.Succeeded();

        var records = logger.Collector.GetSnapshot();
        Assert.Equal([(LogLevel.Warning, 2002), (LogLevel.Information, 2003)], records.Select(r => (r.Level, r.Id.Id)));
        Assert.Contains("10 calls failed", records[1].Message, StringComparison.Ordinal);

        // The next outage is reported again.
        outage.Failed("Timeout");
        Assert.Equal(3, logger.Collector.Count);
    }
}
