using Genlook.Gateway.Errors;
using Genlook.Gateway.Proxy;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace Genlook.Gateway.Identity;

/// <summary>
/// First proxy stage after authentication: derives the pseudonym, selects the Genlook account (the token's
/// <c>Genlook:AccountClaim</c>, else <c>Genlook:DefaultAccount</c>) and sends the request to that account's cluster.
/// </summary>
internal sealed class GatewayUserMiddleware
{
    private readonly RequestDelegate _next;
    private readonly PseudonymGenerator _pseudonyms;
    private readonly IProxyStateLookup _proxyState;
    private readonly string? _accountClaim;
    private readonly string _defaultAccount;
    private readonly Dictionary<string, string> _accountNames;

    public GatewayUserMiddleware(RequestDelegate next, PseudonymGenerator pseudonyms, IProxyStateLookup proxyState, IOptions<GenlookOptions> options)
    {
        _next = next;
        _pseudonyms = pseudonyms;
        _proxyState = proxyState;
        var genlook = options.Value;
        _accountClaim = string.IsNullOrWhiteSpace(genlook.AccountClaim) ? null : genlook.AccountClaim;
        _defaultAccount = genlook.ResolveDefaultAccountName();
        _accountNames = genlook.Accounts.Keys.ToDictionary(k => k, k => k, StringComparer.OrdinalIgnoreCase);
    }

    public Task InvokeAsync(HttpContext context)
    {
        var subject = context.User.FindFirst("sub")?.Value;
        if (string.IsNullOrEmpty(subject))
        {
            return GatewayErrorResponse.WriteAsync(context, GatewayErrors.InvalidToken("The token has no 'sub' claim."));
        }

        var account = _defaultAccount;
        if (_accountClaim is not null && context.User.FindFirst(_accountClaim)?.Value is { } claimed)
        {
            if (!_accountNames.TryGetValue(claimed, out var configured))
            {
                return GatewayErrorResponse.WriteAsync(context, GatewayErrors.Forbidden("The token names a Genlook account this gateway does not serve."));
            }

            account = configured;
        }

        if (!string.Equals(account, _defaultAccount, StringComparison.OrdinalIgnoreCase) &&
            _proxyState.TryGetCluster(GenlookProxyConfigProvider.ClusterId(account), out ClusterState? cluster))
        {
            context.ReassignProxyRequest(cluster);
        }

        context.Features.Set<IGatewayUserFeature>(new GatewayUserFeature(_pseudonyms.For(subject), account));
        return _next(context);
    }
}
