using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Genlook.Gateway.Proxy;

/// <summary>
/// Builds YARP's routes (the allowlist) and clusters (one per Genlook account) from <see cref="GenlookOptions"/>,
/// so the proxy configuration cannot drift from the contract: there is no <c>ReverseProxy</c> section to edit.
/// </summary>
internal sealed class GenlookProxyConfigProvider(IOptions<GenlookOptions> options) : IProxyConfigProvider
{
    public const string AccountMetadataKey = "genlook-account";

    private IProxyConfig? _config;

    public static string ClusterId(string accountName) => "genlook-" + accountName.ToLowerInvariant();

    public IProxyConfig GetConfig() => _config ??= Build(options.Value);

    private static StaticProxyConfig Build(GenlookOptions genlook)
    {
        var defaultCluster = ClusterId(genlook.ResolveDefaultAccountName());
        var routes = GatewayRoute.All.Select(route => new RouteConfig
        {
            RouteId = route.Id,
            ClusterId = defaultCluster,
            AuthorizationPolicy = route.RequiredScope, // a user is required by GatewayUserMiddleware on every proxied route
            RateLimiterPolicy = route.RateLimitPolicy,
            Match = new RouteMatch { Path = route.Path, Methods = [route.Method] },
        }).ToList();

        var clusters = genlook.Accounts.Select(account => new ClusterConfig
        {
            ClusterId = ClusterId(account.Key),
            Metadata = new Dictionary<string, string> { [AccountMetadataKey] = account.Key },
            HttpRequest = new ForwarderRequestConfig { ActivityTimeout = genlook.Timeout },
            Destinations = new Dictionary<string, DestinationConfig>
            {
                ["genlook"] = new() { Address = genlook.ResolveBaseUrl(account.Value).ToString() },
            },
        }).ToList();

        return new StaticProxyConfig(routes, clusters);
    }

    private sealed class StaticProxyConfig(IReadOnlyList<RouteConfig> routes, IReadOnlyList<ClusterConfig> clusters) : IProxyConfig
    {
        public IReadOnlyList<RouteConfig> Routes { get; } = routes;

        public IReadOnlyList<ClusterConfig> Clusters { get; } = clusters;

        // Accounts are read once at start-up; changing them is a restart (keys are secrets, rotated by deployment).
        public IChangeToken ChangeToken { get; } = new CancellationChangeToken(CancellationToken.None);
    }
}
