using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace Genlook.Gateway.Proxy;

/// <summary>First proxy stage: sends the request to the cluster of the account the caller's token selected.</summary>
internal sealed class AccountClusterMiddleware(RequestDelegate next, IProxyStateLookup proxyState)
{
    public Task InvokeAsync(HttpContext context)
    {
        var account = context.Features.Get<IGenlookAccountFeature>()?.Account
                      ?? throw new InvalidOperationException("No Genlook account on this request: the identity stage did not run.");
        var clusterId = GenlookProxyConfigProvider.ClusterId(account);
        if (context.GetReverseProxyFeature().Cluster.Config.ClusterId != clusterId && proxyState.TryGetCluster(clusterId, out ClusterState? cluster))
        {
            context.ReassignProxyRequest(cluster);
        }

        return next(context);
    }
}
