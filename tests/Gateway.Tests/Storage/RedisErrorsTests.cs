using Genlook.Gateway.Storage;
using Genlook.Gateway.Tests.Infrastructure;
using StackExchange.Redis;

namespace Genlook.Gateway.Tests.Storage;

/// <summary>
/// The one classification of Redis failures: an outage (503, or the limiter's fallback) or a defect (500). Server errors
/// are real replies of a real redis-server (a script answers the error verbatim), parsed by the real client, so the test
/// covers what StackExchange.Redis makes of each documented prefix, not a hand-made exception.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RedisErrorsTests(RedisServer redis) : IAsyncLifetime
{
    private ConnectionMultiplexer _connection = null!;

    public async Task InitializeAsync() =>
        _connection = await ConnectionMultiplexer.ConnectAsync(StorageExtensions.CreateRedisOptions(redis.ConnectionString));

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    [Theory]
    [InlineData("LOADING Redis is loading the dataset in memory", "Loading")]
    [InlineData("CLUSTERDOWN The cluster is down", "ClusterDown")]
    [InlineData("CLUSTERDOWN Hash slot not served", "ClusterDown")]
    [InlineData("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.", "MasterDown")]
    [InlineData("TRYAGAIN Multiple keys request during rehashing of slot", "TryAgain")]
    [InlineData("READONLY You can't write against a read only replica.", "ReadOnly")]
    [InlineData("NOREPLICAS Not enough good replicas to write.", "NoReplicas")]
    [InlineData("MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk.", "Misconfigured")]
    [InlineData("OOM command not allowed when used memory > 'maxmemory'.", "OutOfMemory")]
    [InlineData("BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.", "Busy")]
    [InlineData("NOPERM User has no permissions to run the 'eval' command", "NoPermission")]
    public async Task OutageReason_ServerStateReply_IsAnOutage(string reply, string reason)
    {
        var error = await ReplyAsync(reply);

        Assert.Equal(reason, RedisErrors.OutageReason(error));
    }

    [Theory]
    [InlineData("WRONGTYPE Operation against a key holding the wrong kind of value")]
    [InlineData("CROSSSLOT Keys in request don't hash to the same slot")]
    [InlineData("NOSCRIPT No matching script. Please use EVAL.")]
    [InlineData("EXECABORT Transaction discarded because of previous errors.")]
    [InlineData("ERR syntax error")]
    [InlineData("ERR unknown command 'FOO', with args beginning with: ")]
    [InlineData("SOMETHINGNEW an error no version of Redis documents")]
    public async Task OutageReason_DefectReply_IsNotAnOutage(string reply)
    {
        var error = await ReplyAsync(reply);

        Assert.Null(RedisErrors.OutageReason(error));
    }

    [Fact]
    public async Task OutageReason_RealWrongTypeFromTheServer_IsNotAnOutage()
    {
        var key = $"test:{Guid.NewGuid():N}:list";
        await _connection.GetDatabase().ListLeftPushAsync(key, "x");

        var error = await Assert.ThrowsAsync<RedisServerException>(() => _connection.GetDatabase().StringGetAsync(key));

        Assert.Null(RedisErrors.OutageReason(error));
    }

    public static TheoryData<Exception, string?> ClientExceptions() => new()
    {
        { new RedisConnectionException(ConnectionFailureType.SocketFailure, CommandFlags.None, "SocketFailure on GET"), "SocketFailure" },
        { new RedisConnectionException(ConnectionFailureType.UnableToConnect, CommandFlags.None, "No connection is active/available to service this operation"), "UnableToConnect" },
        { new RedisTimeoutException(CommandFlags.None, "Timeout awaiting response", CommandStatus.Sent), "Timeout" },
        { new TimeoutException("'EVALSHA rate-limit' waited more than 50 ms for Redis."), "Timeout" },
        { new ObjectDisposedException("ConnectionMultiplexer"), "Disposed" },
        { new StoreUnavailableException("Redis is not connected."), "Unavailable" },
        { new RedisCommandException("Multi-key operations must involve a single slot; keys can use 'hash tags' to help this"), null },
        { new InvalidOperationException("a bug"), null },
        { new ArgumentNullException("key"), null },
    };

    [Theory]
    [MemberData(nameof(ClientExceptions))]
    public void OutageReason_ClientException_ByType(Exception error, string? reason)
    {
        Assert.Equal(reason, RedisErrors.OutageReason(error));
        Assert.Equal(reason is not null, RedisErrors.IsOutage(error));
    }

    /// <summary>The server's reply to a script that answers <paramref name="reply"/> as an error, as the client raises it.</summary>
    private async Task<RedisServerException> ReplyAsync(string reply) =>
        await Assert.ThrowsAsync<RedisServerException>(() => _connection.GetDatabase().ExecuteAsync("EVAL", "return redis.error_reply(ARGV[1])", 0, reply));
}
