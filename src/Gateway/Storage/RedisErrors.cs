using StackExchange.Redis;

namespace Genlook.Gateway.Storage;

/// <summary>
/// The one place that tells a Redis outage (the store cannot serve now: down, unreachable, slow, failing over, loading;
/// callers answer <c>503</c> or fall back) from a defect of the gateway (a wrong command, key type or script; it stays a
/// <c>500</c>). Every caller of Redis asks here instead of listing exception types or error prefixes itself.
/// <para>
/// Server errors are classified by StackExchange.Redis itself (<see cref="RedisServerException.Kind"/>, parsed from the
/// reply's prefix): the outage kinds are the conditions Redis documents as its own state, which it reports before running
/// anything, the same set the client's <c>FaultContext.NotApplied</c> trusts. <c>MOVED</c>/<c>ASK</c> are followed by the
/// client and only surface when it could not follow them (the topology is moving); <c>NOSCRIPT</c> is answered by the
/// client re-sending the script, so one that surfaces is a defect.
/// </para>
/// </summary>
internal static class RedisErrors
{
    /// <summary>
    /// The outage's short, bounded name (for a log line or a metric tag: <c>ClusterDown</c>, <c>Timeout</c>,
    /// <c>SocketFailure</c>, ...), or <c>null</c> when <paramref name="exception"/> is not a Redis outage.
    /// </summary>
    public static string? OutageReason(Exception exception) => exception switch
    {
        StoreUnavailableException => "Unavailable",

        // Before, while or after sending: the client lost or never had a connection to the node (the node died, a
        // failover moved the slot, no node serves it yet).
        RedisConnectionException connection => connection.FailureType.ToString(),

        // The client's own timeout (RedisTimeoutException), or a caller's bound on the wait (WaitAsync, a batch's budget).
        TimeoutException => "Timeout",

        RedisServerException server => IsOutage(ErrorKind(server)) ? ErrorKind(server).ToString() : null,

        // Catch sites wrap Redis calls only: disposed there means the multiplexer, which goes at shutdown.
        ObjectDisposedException => "Disposed",

        // RedisCommandException (the client refused an illegal command, such as keys of several slots in one call on a
        // cluster) and everything else: a defect.
        _ => null,
    };

    /// <summary>Whether <paramref name="exception"/> is a Redis outage (see <see cref="OutageReason"/>).</summary>
    public static bool IsOutage(Exception exception) => OutageReason(exception) is not null;

#pragma warning disable SER007 // RedisErrorKind is marked experimental (since 3.1) but shipped in the public API; the version is pinned and the classifier's tests cover every kind used here.
    private static RedisErrorKind ErrorKind(RedisServerException server) => server.Kind;

    private static bool IsOutage(RedisErrorKind kind) => kind switch
    {
        RedisErrorKind.Loading // a restarted node still loading its data set
            or RedisErrorKind.ClusterDown // a slot no node serves: between a primary's failure and its replica's promotion
            or RedisErrorKind.MasterDown // a replica that lost its primary (replica-serve-stale-data no)
            or RedisErrorKind.TryAgain // a multi-key call during a slot migration
            or RedisErrorKind.ReadOnly // a write that reached a replica: the client's topology is behind a failover
            or RedisErrorKind.NoReplicas // min-replicas-to-write not met
            or RedisErrorKind.Misconfigured // MISCONF: persistence failing, writes refused
            or RedisErrorKind.OutOfMemory // OOM: maxmemory reached under noeviction
            or RedisErrorKind.Busy // a script or function holds the server
            or RedisErrorKind.MaxClients
            or RedisErrorKind.Moved or RedisErrorKind.Ask or RedisErrorKind.UnknownRedirectTarget // redirects the client could not follow
            or RedisErrorKind.NoAuth or RedisErrorKind.WrongPass or RedisErrorKind.NoPermission => true, // unusable until the operator fixes credentials or ACLs

        // WRONGTYPE, CROSSSLOT, EXECABORT, NOSCRIPT, unknown command, ERR ...: the gateway sent something wrong.
        _ => false,
    };
#pragma warning restore SER007
}
