namespace Genlook.Gateway.Proxy;

internal static partial class ProxyLog
{
    [LoggerMessage(1001, LogLevel.Warning, "Genlook rejected the API key of account '{Account}' (401). Check Genlook:Accounts:{Account}:ApiKey; apps get 502 UPSTREAM_AUTH_FAILED until it is fixed.")]
    public static partial void UpstreamKeyRejected(ILogger logger, string account);

    [LoggerMessage(1002, LogLevel.Warning, "Upstream call for route '{RouteId}' failed: {Error}.")]
    public static partial void UpstreamFailed(ILogger logger, string routeId, string error, Exception? exception);

    [LoggerMessage(1003, LogLevel.Debug, "Rejected path with encoded separators or dot segments.")]
    public static partial void SuspiciousPathRejected(ILogger logger);
}
