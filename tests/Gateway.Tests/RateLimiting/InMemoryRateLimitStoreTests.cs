using Genlook.Gateway.RateLimiting;
using Microsoft.Extensions.Time.Testing;

namespace Genlook.Gateway.Tests.RateLimiting;

public sealed class InMemoryRateLimitStoreTests
{
    [Fact]
    public async Task IdleUsersLogs_AreDropped_OnceOutOfTheirWindow_WhileActiveOnesStay()
    {
        var time = new FakeTimeProvider();
        var store = new InMemoryRateLimitStore(time);
        static RateLimitRequest For(string user) => new([new RateLimitRule("reads", "rl:" + user, 10, TimeSpan.FromMinutes(1))], null);

        var week = new RateLimitRequest([new RateLimitRule("tryon", "rl:weekly", 10, TimeSpan.FromDays(7))], null);
        Assert.True((await store.AcquireAsync(For("idle"))).Allowed);
        Assert.True((await store.AcquireAsync(week)).Allowed);
        time.Advance(TimeSpan.FromMinutes(1.5));
        Assert.True((await store.AcquireAsync(For("active"))).Allowed); // a sweep is due and runs with this decision

        // Gone: the idle user's log, whose minute has passed. Kept: the active user's, and the week-long one, which
        // still counts (however long a window, a log stays while it does).
        Assert.Equal(2, store.LogCount);
        Assert.Equal(8, (await store.AcquireAsync(For("active"))).States[0].Remaining);
        Assert.Equal(8, (await store.AcquireAsync(week)).States[0].Remaining);

        // Two days on, a sweep (due with another user's decision) must still keep the week-long log: it counts two
        // admissions, which a one-day idle rule would have forgotten.
        time.Advance(TimeSpan.FromDays(2));
        Assert.True((await store.AcquireAsync(For("other"))).Allowed);
        Assert.Equal(2, store.LogCount); // the active user's minute has passed; the week-long log and the new one stay
        Assert.Equal(7, (await store.AcquireAsync(week)).States[0].Remaining);
    }
}
