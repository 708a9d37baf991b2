using Genlook.Gateway.Proxy;

namespace Genlook.Gateway.Identity;

/// <summary>
/// Who a proxied request acts as: set once per request after authentication, read by every later stage
/// (attribution, ownership, rate limits, cache). Typed, so no stage parses claims or strings again.
/// </summary>
public interface IGatewayUserFeature : IGenlookAccountFeature
{
    /// <summary>The caller's <c>externalUserId</c> (a keyed hash of <c>sub</c>). Never log it.</summary>
    string Pseudonym { get; }
}

internal sealed record GatewayUserFeature(string Pseudonym, string Account) : IGatewayUserFeature;

public static class GatewayUserHttpContextExtensions
{
    /// <summary>The caller of a proxied request; throws outside the authenticated proxy pipeline (a wiring bug).</summary>
    public static IGatewayUserFeature GetGatewayUser(this HttpContext context) =>
        context.Features.Get<IGatewayUserFeature>() ?? throw new InvalidOperationException("No gateway user on this request: the identity stage did not run.");
}
