using Genlook.Gateway.Errors;
using Genlook.Gateway.Proxy;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Genlook.Gateway.Identity;

/// <summary>
/// Runs after authentication, before rate limiting, on the proxied routes: answers <c>401</c> without a valid token,
/// derives the caller's pseudonym once and selects the Genlook account (the token's <c>Genlook:AccountClaim</c>, else
/// <c>Genlook:DefaultAccount</c>; a value naming no configured account is <c>403</c>). Every later stage reads the typed <see cref="IGatewayUserFeature"/>
/// (the proxy's own stages only its <see cref="IGenlookAccountFeature"/>).
/// </summary>
internal sealed class GatewayUserMiddleware
{
    private readonly RequestDelegate _next;
    private readonly PseudonymGenerator _pseudonyms;
    private readonly string? _accountClaim;
    private readonly string _defaultAccount;
    private readonly Dictionary<string, string> _accountNames;

    public GatewayUserMiddleware(RequestDelegate next, PseudonymGenerator pseudonyms, IOptions<GenlookOptions> options)
    {
        _next = next;
        _pseudonyms = pseudonyms;
        var genlook = options.Value;
        _accountClaim = string.IsNullOrWhiteSpace(genlook.AccountClaim) ? null : genlook.AccountClaim;
        _defaultAccount = genlook.ResolveDefaultAccountName();
        _accountNames = genlook.Accounts.Keys.ToDictionary(k => k, k => k, StringComparer.OrdinalIgnoreCase);
    }

    public Task InvokeAsync(HttpContext context)
    {
        if (context.GetGatewayRoute() is null)
        {
            return _next(context);
        }

        // Every proxied route needs a user: one check here instead of an authorization policy per route (cheaper per
        // request); routes that need a scope keep their policy. The challenge is JwtBearer's (401 in the contract's shape).
        if (context.User.Identity?.IsAuthenticated != true)
        {
            return context.ChallengeAsync();
        }

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

        var user = new GatewayUserFeature(_pseudonyms.For(subject), account);
        context.Features.Set<IGatewayUserFeature>(user);
        context.Features.Set<IGenlookAccountFeature>(user);
        return _next(context);
    }
}
