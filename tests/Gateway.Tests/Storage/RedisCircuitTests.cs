using Genlook.Gateway.RateLimiting;
using Genlook.Gateway.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Polly;
using Polly.CircuitBreaker;
using StackExchange.Redis;

namespace Genlook.Gateway.Tests.Storage;

/// <summary>
/// The store's and the limiter's circuits come from one factory (<see cref="RedisCircuit"/>): each opens by its own
/// rule (the store on one timeout, the limiter on half of at least ten calls), and then both behave the same: calls
/// fail at once without reaching Redis, after the break one probe at a time goes, and its answer closes the circuit.
/// </summary>
public sealed class RedisCircuitTests
{
    private static readonly TimeSpan Break = TimeSpan.FromSeconds(1);

    private readonly FakeTimeProvider _time = new();

    public static TheoryData<string> Circuits => new() { "store", "rate-limiting" };

    [Theory]
    [MemberData(nameof(Circuits))]
    public async Task Open_FailsAtOnce_ThenOneProbeAtATime_ThenCloses(string name)
    {
        var circuit = await OpenAsync(name);
        var calls = 0;

        await Assert.ThrowsAsync<BrokenCircuitException>(() => RunAsync(circuit, () => { calls++; return Task.CompletedTask; }));
        Assert.Equal(0, calls);

        _time.Advance(Break);
        var answer = new TaskCompletionSource();
        var probe = RunAsync(circuit, () => { calls++; return answer.Task; });
        await Assert.ThrowsAsync<BrokenCircuitException>(() => RunAsync(circuit, () => { calls++; return Task.CompletedTask; }));
        Assert.Equal(1, calls);

        answer.SetResult();
        await probe;
        await RunAsync(circuit, () => { calls++; return Task.CompletedTask; });
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task Store_OneTimeoutAmongManyAnswers_Opens()
    {
        var circuit = Create("store");
        for (var i = 0; i < 100; i++)
        {
            await RunAsync(circuit, () => Task.CompletedTask);
        }

        await Assert.ThrowsAsync<RedisTimeoutException>(() => RunAsync(circuit, () => throw new RedisTimeoutException(CommandFlags.None, "timed out", CommandStatus.Sent)));

        await Assert.ThrowsAsync<BrokenCircuitException>(() => RunAsync(circuit, () => Task.CompletedTask));
    }

    [Fact]
    public async Task Store_ConnectionErrorsAndDefects_DoNotOpen()
    {
        var circuit = Create("store");
        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<RedisConnectionException>(() => RunAsync(circuit, () => throw new RedisConnectionException(ConnectionFailureType.SocketFailure, CommandFlags.None, "lost", null, CommandStatus.Sent)));
            await Assert.ThrowsAsync<InvalidOperationException>(() => RunAsync(circuit, () => throw new InvalidOperationException("defect")));
        }

        await RunAsync(circuit, () => Task.CompletedTask);
    }

    [Fact]
    public async Task Limiter_OneTimeoutInTen_StaysClosed()
    {
        var circuit = Create("rate-limiting");
        for (var i = 0; i < 9; i++)
        {
            await RunAsync(circuit, () => Task.CompletedTask);
        }

        await Assert.ThrowsAsync<TimeoutException>(() => RunAsync(circuit, () => throw new TimeoutException()));

        await RunAsync(circuit, () => Task.CompletedTask);
    }

    private ResiliencePipeline Create(string name) => name == "store"
        ? RedisCircuit.Create(name, RedisGatewayStore.Circuit, _time, NullLogger.Instance)
        : RateLimitCircuit.Create(new RateLimitingOptions { BreakDuration = Break }, _time, NullLogger.Instance);

    // Opens the circuit by its own rule.
    private async Task<ResiliencePipeline> OpenAsync(string name)
    {
        var circuit = Create(name);
        var (answers, timeouts) = name == "store" ? (1, 1) : (RateLimitCircuit.MinimumThroughput / 2, RateLimitCircuit.MinimumThroughput / 2);
        for (var i = 0; i < answers; i++)
        {
            await RunAsync(circuit, () => Task.CompletedTask);
        }

        for (var i = 0; i < timeouts; i++)
        {
            await Assert.ThrowsAsync<TimeoutException>(() => RunAsync(circuit, () => throw new TimeoutException()));
        }

        return circuit;
    }

    private static async Task RunAsync(ResiliencePipeline circuit, Func<Task> call) =>
        await circuit.ExecuteAsync(async _ => await call());
}
