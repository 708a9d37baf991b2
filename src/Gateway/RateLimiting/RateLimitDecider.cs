using System.Globalization;
using System.Text;
using System.Threading.RateLimiting;
using Genlook.Gateway.Identity;
using Genlook.Gateway.Observability;
using Microsoft.Extensions.Options;

namespace Genlook.Gateway.RateLimiting;

/// <summary>
/// Turns a policy and a user into rules, asks the store, and publishes the verdict: the IETF <c>RateLimit-Policy</c> /
/// <c>RateLimit</c> headers (draft-ietf-httpapi-ratelimit-headers) on every limited response, a metric, and what to
/// refund if the gateway itself ends up answering 401/403/404.
/// </summary>
internal sealed class RateLimitDecider(
    IRateLimitStore store, IOptions<RateLimitingOptions> options, IHttpContextAccessor accessor, GatewayTelemetry telemetry)
{
    private readonly RateLimitingOptions _options = options.Value;

    public RateLimitRequest RequestFor(string policy, IGatewayUserFeature user)
    {
        var own = _options.Get(policy);
        var userRule = new RateLimitRule(policy, RateLimitKeys.UserPolicy(user, policy), own.PermitLimit!.Value, own.Window!.Value);
        if (policy != RateLimitPolicies.TryOn)
        {
            return new RateLimitRequest([userRule], null);
        }

        var account = _options.Get(RateLimitPolicies.Account);
        var accountRule = new RateLimitRule(RateLimitPolicies.Account, RateLimitKeys.AccountBudget(user.Account), account.PermitLimit!.Value, account.Window!.Value);
        return new RateLimitRequest([userRule, accountRule], RateLimitKeys.AccountHold(user.Account));
    }

    public async ValueTask<RateLimitLease> DecideAsync(string policy, IGatewayUserFeature user, CancellationToken cancellationToken)
    {
        var request = RequestFor(policy, user);
        var decision = await store.AcquireAsync(request, cancellationToken);
        telemetry.RateLimitDecisions.Add(1,
            new("policy", policy),
            new("outcome", decision.Allowed ? "allowed" : "rejected"),
            new("source", decision.FromFallback ? "fallback" : "shared"));

        GatewayTelemetry.Decision("gateway.ratelimit." + policy, decision.Allowed ? (decision.FromFallback ? "allowed-fallback" : "allowed") : "rejected");

        // The limiter API carries no HttpContext; the request that is asking is the current one.
        if (accessor.HttpContext is { } context)
        {
            var (policyHeader, stateHeader) = Headers(request, decision);
            context.Response.Headers["RateLimit-Policy"] = policyHeader;
            context.Response.Headers["RateLimit"] = stateHeader;
            if (decision.Allowed)
            {
                context.Features.Set(new RateLimitCharge(request));
            }
        }

        return decision.Allowed ? Lease.Acquired : new Lease(decision.RetryAfter);
    }

    internal static (string Policy, string State) Headers(RateLimitRequest request, RateLimitDecision decision)
    {
        var policy = new StringBuilder();
        var state = new StringBuilder();
        for (var i = 0; i < request.Rules.Count; i++)
        {
            var rule = request.Rules[i];
            var separator = i == 0 ? "" : ", ";
            policy.Append(CultureInfo.InvariantCulture, $"{separator}\"{rule.Policy}\";q={rule.PermitLimit};w={(long)rule.Window.TotalSeconds}");
            state.Append(CultureInfo.InvariantCulture, $"{separator}\"{rule.Policy}\";r={decision.States[i].Remaining};t={(long)Math.Ceiling(decision.States[i].ResetAfter.TotalSeconds)}");
        }

        return (policy.ToString(), state.ToString());
    }

    private sealed class Lease(TimeSpan? retryAfter) : RateLimitLease
    {
        public static readonly Lease Acquired = new(null);

        public override bool IsAcquired => retryAfter is null;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (retryAfter is { } value && metadataName == MetadataName.RetryAfter.Name)
            {
                metadata = value;
                return true;
            }

            metadata = null;
            return false;
        }
    }
}

/// <summary>What a request was charged, so a gateway-answered 401/403/404 can be given back.</summary>
internal sealed record RateLimitCharge(RateLimitRequest Request);
